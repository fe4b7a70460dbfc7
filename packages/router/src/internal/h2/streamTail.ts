import type { ServerHttp2Stream } from 'node:http2';
import type { ForwarderEvent } from '../../forward/ForwarderOptions.ts';
import type { Deadline } from '../forward/Deadline.ts';
import { cutStream } from './cutStream.ts';

/**
 * Times the last bytes of an answer that has ended on `stream`: once its exchange is over nothing
 * else times the stream, and bytes waiting for a window its client never opens would keep it, and
 * what it holds, until the session went; and the session never goes, its GOAWAY waiting for its
 * open streams. So the stream gets `sendTimeout` to take them (what HTTP/1.1 gives a connection to
 * take its answers), on `deadline`, which expires unless they all go first. False when nothing is
 * left to wait for.
 */
export function watchStreamTail(stream: ServerHttp2Stream, deadline: Deadline, sendTimeout: number): boolean {
  if (stream.writableFinished || stream.destroyed) return false;
  deadline.set(sendTimeout);
  const taken = (): void => deadline.dispose();
  stream.once('finish', taken);
  stream.once('close', taken);
  return true;
}

/**
 * The tail's time is up: RST_STREAM, as for a response cut after its head (the truncation shows).
 * The time is a total from the answer's end, so the client may have taken part of the tail.
 */
export function resetStreamTail(stream: ServerHttp2Stream, sendTimeout: number, onEvent: (event: ForwarderEvent) => void): void {
  if (stream.closed || stream.destroyed) return;
  onEvent({ type: 'response.aborted', reason: `the client had not taken all of its answer ${sendTimeout} ms after the answer ended` });
  cutStream(stream);
}
