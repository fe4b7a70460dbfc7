// headersTimeout over HTTP/2. On HTTP/1.1 it bounds the time to receive a request head, however
// its bytes trickle in; over HTTP/2 a header block begun and never ended (HEADERS without
// END_HEADERS, then no CONTINUATION) blocks the whole connection, since no other frame may come
// between, and a frame begun and never finished holds it as well. Before, only keepAliveTimeout
// timed them, and only while no stream was open; and as the socket's silence, so a client that
// sent a byte every few seconds kept it for good.
import assert from 'node:assert/strict';
import { Flag, frame, FrameType, headerBlock, headers, RawHttp2Client, request } from '@portico/test-support/http2';
import { startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

/** Sends `bytes` one at a time, `everyMs` apart, until they are sent or the connection closed. */
async function trickle(client: RawHttp2Client, bytes: Buffer, everyMs: number): Promise<void> {
  for (let i = 0; i < bytes.length && !client.closed; i++) {
    client.send(bytes.subarray(i, i + 1));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

describe('an HTTP/2 head is bounded by headersTimeout', function () {
  // headersTimeout is 400 ms and keepAliveTimeout a minute: every connection below must be closed long before the latter.
  this.timeout(20_000);
  let backend: RecordingBackend;
  let front: Front;
  const clients: RawHttp2Client[] = [];
  const held: Array<() => void> = [];

  beforeEach(async () => {
    backend = await startRecordingBackend((req, res) => {
      if (req.url === '/held') held.push(() => res.end('late'));
      else res.end('ok');
    });
    front = await startFront({ h2c: true }, backend.port, { headersTimeout: 400, keepAliveTimeout: 60_000 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const answer of held.splice(0)) answer();
    await front.close();
    await backend.close();
  });

  const connect = async (): Promise<RawHttp2Client> => {
    const c = await RawHttp2Client.connect(front.port);
    clients.push(c);
    return c;
  };
  const closedByFront = async (c: RawHttp2Client): Promise<void> => {
    await c.waitFor(() => false);
    assert.equal(c.closed, true);
  };

  it('closes a connection whose first header block never ends (HEADERS without END_HEADERS, then nothing)', async () => {
    const c = await connect();
    c.send(frame(FrameType.HEADERS, Flag.END_STREAM, 1, headerBlock(request('GET', '/never-ends'))));
    await closedByFront(c);
    assert.equal(backend.seen.length, 0);
  });

  it('closes a connection whose header block never ends while another stream is in flight', async () => {
    const c = await connect();
    c.send(headers(1, request('GET', '/held'), true));
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    c.send(frame(FrameType.HEADERS, Flag.END_STREAM, 3, headerBlock(request('GET', '/never-ends'))));
    await closedByFront(c);
    assert.deepEqual(backend.seen.map((r) => r.url), ['/held']);
  });

  // A gap between the stream nghttp2 last began and the last one node:http2 made is also a block
  // that ended in a stream refused (too many fields: RST_STREAM, no stream made); the front's
  // PING, which a client in the middle of a block could not answer, tells the two apart.
  it('keeps a connection whose last stream was refused for too many fields, and which answers PING, beside a stream in flight', async () => {
    const c = await connect();
    c.send(headers(1, request('GET', '/held'), true));
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const many = Array.from({ length: 300 }, (_, i) => [`x-f${i}`, 'v'] as const);
    c.send(headers(3, request('GET', '/too-many', many), true));
    assert.equal((await c.outcome(3)).kind, 'reset');
    const probe = await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0);
    assert.ok(probe, 'the front asks whether the connection is blocked');
    c.send(frame(FrameType.PING, Flag.ACK, 0, probe.payload));
    // A connection whose block began after the refusal: once it is closed, headersTimeout has passed for the first.
    const witness = await connect();
    witness.send(frame(FrameType.HEADERS, Flag.END_STREAM, 1, headerBlock(request('GET', '/never-ends'))));
    await closedByFront(witness);
    assert.equal(c.closed, false, 'a connection that answered PING was closed');
    held.shift()!();
    assert.deepEqual(await c.outcome(1), { kind: 'response', firstByte: 0x88 });
  });

  it('closes a connection whose header block comes a byte at a time, each within keepAliveTimeout', async () => {
    const c = await connect();
    const block = frame(FrameType.HEADERS, Flag.END_STREAM | Flag.END_HEADERS, 1, headerBlock(request('GET', '/trickled', [['x-pad', 'p'.repeat(300)]])));
    await Promise.all([trickle(c, block, 30), closedByFront(c)]);
    assert.equal(backend.seen.length, 0);
  });

  it('closes a connection that sends only part of a frame, a byte at a time (a SETTINGS of 100 entries)', async () => {
    const c = await connect();
    await Promise.all([trickle(c, frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(600)), 30), closedByFront(c)]);
  });
});
