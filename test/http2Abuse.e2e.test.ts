// HTTP/2 floods and exhaustion (reference/http2-and-cores.md §3): each attack is sent on its own
// connection while another client keeps asking for a page; the front must stay responsive, the
// attack's cost in backend requests and memory must stay bounded, and the attacking connection is
// closed where nghttp2 or Portico's bounds say so.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import { heldBytes } from '@portico/test-support';
import { continuationFlood, data, Flag, frame, FrameType, headers, hpackBomb, initialWindow, ping, RawHttp2Clients, rapidReset, request, windowUpdate, type RawHttp2Client } from '@portico/test-support/http2';
import { until } from './helpers/frontClients.ts';
import { endAttackScene, h2Request, startAttackScene, startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

const MiB = 1024 * 1024;

describe('HTTP/2 abuse resistance', function () {
  this.timeout(60_000);
  let backend: RecordingBackend;
  let front: Front;
  let bystander: http2.ClientHttp2Session;
  const attackers = new RawHttp2Clients();

  beforeEach(async () => {
    ({ backend, front, bystander } = await startAttackScene({ h2c: true }, { sendTimeout: 2_000 }));
  });
  afterEach(async () => {
    attackers.closeAll();
    await endAttackScene({ backend, front, bystander });
  });

  const attacker = (): Promise<RawHttp2Client> => attackers.connect(front.port);

  /** The other client is answered while (and after) the attack runs. */
  async function bystanderServed(): Promise<void> {
    const answer = await h2Request(bystander, { ':path': '/bystander' });
    assert.equal(answer.status, 200);
  }

  /** Runs `attack`, checks the bystander meanwhile, and returns the memory it left held. */
  async function underAttack(attack: () => Promise<void>): Promise<number> {
    const before = heldBytes();
    await Promise.all([attack(), bystanderServed()]);
    await bystanderServed();
    return heldBytes() - before;
  }

  const goawayCode = (a: RawHttp2Client): number | undefined => {
    const f = a.frames.find((x) => x.type === FrameType.GOAWAY);
    return f === undefined ? undefined : f.payload.readUInt32BE(4);
  };

  it('rapid reset: closes a connection that resets most of its streams, and the backend sees few of them', async () => {
    const a = await attacker();
    const held = await underAttack(async () => {
      for (let batch = 0; batch < 50 && !a.closed; batch++) {
        a.send(...rapidReset(batch));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await a.waitFor((f) => f.type === FrameType.GOAWAY);
    });
    assert.equal(goawayCode(a), http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    assert.ok(front.events.some((e) => e.type === 'request.refused' && e.reason.includes('rapid reset')), 'Portico\'s premature-reset rule closed it');
    assert.ok(backend.seen.filter((s) => s.url.startsWith('/reset-')).length < 500, `${backend.seen.length} reset requests reached the backend`);
    assert.ok(held < 32 * MiB, `held ${held} bytes`);
  });

  it('CONTINUATION flood: a header block that never ends closes the connection before it grows', async () => {
    const a = await attacker();
    const held = await underAttack(async () => {
      await continuationFlood(a);
      await a.waitFor((f) => f.type === FrameType.GOAWAY);
    });
    assert.ok(a.closed || goawayCode(a) !== undefined, 'the connection is closed');
    assert.equal(backend.seen.filter((s) => s.url === '/cont').length, 0);
    assert.ok(held < 32 * MiB, `held ${held} bytes`);
  });

  it('HPACK bomb: a table entry referenced many times is cut at the header list limit', async () => {
    const a = await attacker();
    const held = await underAttack(async () => {
      for (let stream = 0; stream < 20 && !a.closed; stream++) {
        const id = 1 + 2 * stream;
        a.send(...hpackBomb(id, stream === 0));
        await a.outcome(id);
      }
    });
    assert.equal(backend.seen.filter((s) => s.url.startsWith('/bomb-')).length, 0);
    assert.ok(held < 32 * MiB, `held ${held} bytes`);
  });

  for (const [name, flood] of [
    ['SETTINGS', () => frame(FrameType.SETTINGS, 0, 0)],
    ['PING', () => ping(1)],
    ['PRIORITY', (i: number) => frame(FrameType.PRIORITY, 0, 1 + 2 * (i % 10_000), Buffer.from([0, 0, 0, 0, 16]))],
    ['empty DATA', () => data(1, '', false)],
  ] as const) {
    it(`${name} flood from a client that reads nothing stays bounded`, async () => {
      const a = await attacker();
      if (name === 'empty DATA') a.send(headers(1, request('POST', '/slow'), false));
      a.socket.pause();
      const held = await underAttack(async () => {
        for (let i = 0; i < 200 && !a.socket.destroyed; i++) {
          const frames: Buffer[] = [];
          for (let j = 0; j < 500; j++) frames.push(flood(i * 500 + j));
          a.send(...frames);
          await new Promise((resolve) => setImmediate(resolve));
          if (a.socket.writableLength > 8 * MiB) break;
        }
      });
      a.socket.resume();
      assert.ok(held < 32 * MiB, `held ${held} bytes`);
    });
  }

  it('stream-count exhaustion: no more than 128 streams are served at once, and a client that opens more is closed', async () => {
    await front.close();
    let dispatched = 0;
    front = await startFront({ h2c: true }, backend.port, {
      dispatch: (request) => {
        if (request.head.path.startsWith('/open-')) dispatched++;
        return { kind: 'forward', upstream: { id: 'b', address: { host: '127.0.0.1', port: backend.port }, token: 't' } };
      },
    });
    bystander.destroy();
    bystander = http2.connect(`http://127.0.0.1:${front.port}`);
    bystander.on('error', () => {});
    await once(bystander, 'connect');
    const a = await attacker();
    await underAttack(async () => {
      const frames: Buffer[] = [];
      for (let i = 0; i < 400; i++) frames.push(headers(1 + 2 * i, request('POST', `/open-${i}`), false));
      a.send(...frames);
      await a.waitFor((f) => f.type === FrameType.GOAWAY);
    });
    assert.ok(goawayCode(a) !== undefined, 'the connection is closed with GOAWAY');
    assert.ok(dispatched <= 128, `${dispatched} streams reached the router`);
  });

  // CI (Node 26) measured 69.7 MB once the last stream was reset: what it caught was the resets'
  // cleanup under way (200 ms later it was all gone), not what the stall held. Measured now at the
  // stall itself, when every response has begun and waits for a window (20–36 MB here, the 4 MiB
  // body included), and once the backend's responses have ended and the sockets let go.
  it('zero-window stall: responses the client never lets through pause their backends and are reset after sendTimeout', async () => {
    await backend.close();
    const big = Buffer.alloc(4 * MiB, 0x61);
    let ended = 0;
    // Only the attacker's streams get 4 MiB: the bystander's answer is small, so that its own
    // client (this process, busy parsing the attack) is never the one cut by the 1 s sendTimeout
    // while it takes 4 MiB through windows of 64 KiB (NGHTTP2_INTERNAL_ERROR on a loaded machine).
    backend = await startRecordingBackend((req, res) => {
      if (!req.url?.startsWith('/big-')) return void res.end('ok');
      res.on('close', () => ended++);
      res.end(big);
    });
    await front.close();
    front = await startFront({ h2c: true }, backend.port, { sendTimeout: 1_000 });
    bystander.destroy();
    bystander = http2.connect(`http://127.0.0.1:${front.port}`);
    bystander.on('error', () => {});
    await once(bystander, 'connect');
    const a = await attacker();
    const before = heldBytes();
    let stalled = 0;
    const attack = async () => {
      // SETTINGS_INITIAL_WINDOW_SIZE = 0: the server may send no DATA on any stream.
      a.send(frame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0, 0])));
      const frames: Buffer[] = [];
      for (let i = 0; i < 100; i++) frames.push(headers(1 + 2 * i, request('GET', `/big-${i}`), true));
      a.send(...frames);
      // A response's HEADERS are not flow-controlled: once each has come, all 100 wait for a window.
      for (let i = 0; i < 100; i++) await a.waitFor((f) => f.streamId === 1 + 2 * i && (f.type === FrameType.HEADERS || f.type === FrameType.RST_STREAM));
      stalled = heldBytes() - before;
      // Every stream is reset once sendTimeout passes with its client taking nothing.
      for (let i = 0; i < 100; i++) await a.waitFor((f) => f.streamId === 1 + 2 * i && f.type === FrameType.RST_STREAM);
    };
    await Promise.all([attack(), bystanderServed()]);
    await bystanderServed();
    assert.ok(stalled < 64 * MiB, `held ${stalled} bytes for 100 stalled streams of 4 MiB`);
    // What the resets leave is freed as the sockets close, a few turns of the event loop later.
    await until(() => ended === 100 && heldBytes() - before < 16 * MiB);
    const left = heldBytes() - before;
    assert.equal(ended, 100, 'the backend saw each response end');
    assert.ok(left < 16 * MiB, `${left} bytes still held after the backend's responses ended`);
  });

  // The session's socket stood in for the stream: a response complete at Portico whose last bytes
  // waited for a window the client never opened had no deadline (the exchange was over), so the
  // stream and what it held stayed until the session went, and the session never went: its GOAWAY
  // waits for its open streams. HTTP/1.1 gives a connection sendTimeout to take its answers.
  /** A front with sendTimeout 1 s before a backend answering 8 KiB, and a client whose streams open with no window. */
  async function closedWindowAttacker() {
    await backend.close();
    backend = await startRecordingBackend((_req, res) => res.end(Buffer.alloc(8 * 1024, 0x61)));
    await front.close();
    front = await startFront({ h2c: true }, backend.port, { sendTimeout: 1_000 });
    const a = await attacker();
    a.send(initialWindow(0));
    await a.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
    return a;
  }

  for (const [kind, path, status] of [['the backend\'s answer', '/small', 200], ['Portico\'s own answer', '/%zz', 400]] as const) {
    it(`resets a stream whose client never takes the end of ${kind}, after sendTimeout, while its other streams flow`, async () => {
      // Every stream opens with no window; stream 1 never gets one.
      const a = await closedWindowAttacker();
      a.send(headers(1, request('GET', path), true));
      const head = await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.HEADERS);
      assert.equal(head?.payload[0], status === 200 ? 0x88 : 0x8c, `stream 1 answered ${status}`);
      // The other streams flow meanwhile: each is given a window and its whole answer comes.
      for (const id of [3, 5]) {
        a.send(headers(id, request('GET', `/flowing-${id}`), true), windowUpdate(id, 1 << 20));
        await a.waitFor((f) => f.streamId === id && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
      }
      const reset = await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.RST_STREAM);
      assert.ok(reset !== undefined, 'stream 1 was never reset: the connection closed first');
      assert.equal(a.frames.some((f) => f.streamId === 1 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0), false);
      // The connection lives on: a stream after the reset is served.
      a.send(headers(7, request('GET', '/after'), true), windowUpdate(7, 1 << 20));
      assert.ok(await a.waitFor((f) => f.streamId === 7 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0));
    });
  }

  // The tail's time is a total from the answer's end, not a time of silence: a client that takes a
  // part of it and then nothing is reset all the same, and the reason says what it did.
  it('resets a stream whose client took part of the end of its answer and then nothing, after sendTimeout from its end', async () => {
    const a = await closedWindowAttacker();
    a.send(headers(1, request('GET', '/small'), true));
    await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.HEADERS);
    // A window for half the answer, once: that half comes, the rest never.
    a.send(windowUpdate(1, 4 * 1024));
    assert.ok(await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.DATA));
    assert.ok(await a.waitFor((f) => f.streamId === 1 && f.type === FrameType.RST_STREAM), 'stream 1 was never reset: the connection closed first');
    assert.equal(a.frames.some((f) => f.streamId === 1 && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0), false);
    const aborted = front.events.filter((e) => e.type === 'response.aborted');
    assert.deepEqual(
      aborted.map((e) => ('reason' in e ? e.reason : '')),
      ['the client had not taken all of its answer 1000 ms after the answer ended'],
    );
  });
});
