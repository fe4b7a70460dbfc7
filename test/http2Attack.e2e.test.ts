// A hostile HTTP/2 client against Portico's front, beyond the floods of http2Abuse.e2e.test.ts:
// what each kind of frame costs per frame, and that nothing it sends leaves a request hanging.
import assert from 'node:assert/strict';
import { data, Flag, FrameType, headers, RawHttp2Client, request } from './helpers/http2Frames.ts';
import { startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

/** The sizes of a chunked body's chunks, up to its last chunk. */
function chunkSizes(body: string): number[] {
  const sizes: number[] = [];
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, end), 16);
    if (size === 0) return sizes;
    sizes.push(size);
    at = end + 2 + size + 2;
  }
}

describe('HTTP/2 front under a hostile client', function () {
  this.timeout(60_000);
  let backend: RecordingBackend;
  let front: Front;
  let attackers: RawHttp2Client[] = [];
  afterEach(async () => {
    for (const a of attackers) a.close();
    attackers = [];
    await front.close();
    await backend.close();
  });
  const attacker = async (): Promise<RawHttp2Client> => {
    const a = await RawHttp2Client.connect(front.port);
    attackers.push(a);
    return a;
  };

  // HTTP/1.1 forwards what one read delivered of a chunked body as one chunk (docs/proxy.md, What
  // one client can take); node:http2 hands a body over one piece per DATA frame, so a body of
  // one-byte frames (10 bytes of framing each) cost a backend write, and a chunk, per frame.
  it('a request body of 5 000 one-byte DATA frames reaches the backend as a handful of chunks', async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
    const a = await attacker();
    const frames = [headers(1, request('POST', '/tiny'), false)];
    for (let i = 0; i < 5_000; i++) frames.push(data(1, 'x', false));
    a.send(...frames, data(1, '', true));
    await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
    assert.equal(backend.seen[0]?.body.length, 5_000);
    const raw = backend.bytes();
    const sizes = chunkSizes(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.equal(sizes.reduce((x, y) => x + y, 0), 5_000);
    assert.ok(sizes.length <= 32, `the backend got ${sizes.length} chunks`);
  });
});
