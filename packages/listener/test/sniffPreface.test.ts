import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { SimulatedClock, systemClock, type Clock } from '@portico/supervisor';
import { afterEach, describe, it } from 'mocha';
import { sniffPreface } from '../src/sniffPreface.ts';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** What the engine that took a sniffed connection was handed, and what the socket gave it after. */
interface Taken {
  readonly engine: 'http1' | 'http2';
  /** The bytes the sniffer read, handed over explicitly. */
  readonly initial: Buffer | undefined;
  /** What the socket's stream still held at the handover: the engine could not read it through `onread`. */
  readonly heldByStream: number;
  /** `initial` and every read after it, in order. */
  readonly bytes: () => string;
}

describe('sniffPreface', () => {
  const sockets: net.Socket[] = [];
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** A plain server whose connections are sniffed; resolves with a client and the server's side of it. */
  async function connect(timeout = 30_000, clock: Clock = systemClock): Promise<{ client: net.Socket; accepted: net.Socket; taken: Promise<Taken> }> {
    let take!: (taken: Taken) => void;
    const taken = new Promise<Taken>((resolve) => (take = resolve));
    const handle = (engine: Taken['engine']) => (socket: net.Socket, initial?: Buffer) => {
      const chunks: Buffer[] = initial === undefined ? [] : [initial];
      const heldByStream = socket.readableLength;
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      take({ engine, initial, heldByStream, bytes: () => Buffer.concat(chunks).toString('latin1') });
    };
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket);
      sniffPreface(socket, timeout, { handleConnection: handle('http1'), handleHttp2Connection: handle('http2') }, clock);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.setNoDelay(true);
    client.on('error', () => {});
    sockets.push(client);
    const [accepted] = (await once(server, 'connection')) as [net.Socket];
    return { client, accepted, taken };
  }

  /** Writes `pieces` one at a time, each once the server has read the one before: the sniffer sees every prefix. */
  async function sendPiecewise(client: net.Socket, accepted: net.Socket, pieces: readonly string[]): Promise<void> {
    let sent = 0;
    for (const piece of pieces) {
      client.write(piece, 'latin1');
      sent += Buffer.byteLength(piece, 'latin1');
      while (accepted.bytesRead < sent) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const bytewise = (text: string): string[] => [...text];

  // Each request starts like the preface and leaves it at some byte (POST at the second, a PRI
  // request line at the ninth, the whole preface but its last byte), then a pipelined request with
  // a body and a WebSocket handshake follow. The HTTP/1.1 reader must get every byte once, in order.
  const pipelined = 'Content-Length: 5\r\n\r\nhelloGET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x82abcd';
  const divergent: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['POST, diverging at its second byte', ['P', 'O', `ST /a HTTP/1.1\r\nHost: a\r\n${pipelined}`]],
    ['PUT, diverging at its second byte', ['P', 'U', `T /a HTTP/1.1\r\nHost: a\r\n${pipelined}`]],
    ['PRI * HTTP/1.1, the request line of the preface with another version', [...bytewise('PRI * HTTP/'), `1.1\r\nHost: a\r\n${pipelined}`]],
    ['the preface but its last byte', [...bytewise(PREFACE.slice(0, -1)), `X${pipelined}`]],
    ['one byte that is no prefix', [`G`, `ET /a HTTP/1.1\r\nHost: a\r\n${pipelined}`]],
  ];
  for (const [name, pieces] of divergent) {
    it(`hands ${name} to the HTTP/1.1 reader with every byte once, in order, the sniffed ones explicitly`, async () => {
      const { client, accepted, taken } = await connect();
      await sendPiecewise(client, accepted, pieces);
      const got = await taken;
      assert.equal(got.engine, 'http1');
      // Handed over, not put back into the stream: the reader can read the socket its own way from the start.
      assert.equal(got.heldByStream, 0, 'the sniffed bytes were left in the socket stream');
      assert.ok(got.initial !== undefined && got.initial.length > 0, 'the sniffed bytes were not handed over');
      const all = pieces.join('');
      assert.ok(all.startsWith(got.initial.toString('latin1')));
      while (got.bytes().length < all.length) await once(accepted, 'data');
      assert.equal(got.bytes(), all);
    });
  }

  it('hands the preface, read byte by byte, to the HTTP/2 engine with what followed it', async () => {
    const { client, accepted, taken } = await connect();
    const frames = '\x00\x00\x00\x04\x00\x00\x00\x00\x00';
    await sendPiecewise(client, accepted, [...bytewise(PREFACE), frames]);
    const got = await taken;
    assert.equal(got.engine, 'http2');
    assert.equal(got.initial?.toString('latin1'), PREFACE);
    while (got.bytes().length < PREFACE.length + frames.length) await once(accepted, 'data');
    assert.equal(got.bytes(), PREFACE + frames);
  });

  // The sniff's time is the clock's: a minute on a SimulatedClock, far past this test's real
  // time limit, so a close that came from any other timer would fail it.
  const MINUTE = 60_000;

  it('closes a client that sent one byte of the preface and then nothing, when its time is up', async () => {
    const clock = new SimulatedClock();
    const { client, accepted, taken } = await connect(MINUTE, clock);
    let handed = false;
    void taken.then(() => (handed = true));
    await sendPiecewise(client, accepted, ['P']);
    clock.advance(MINUTE - 1);
    assert.equal(accepted.destroyed, false);
    clock.advance(1);
    // Reset, not ended: the sniff destroys a socket it has not read to the end.
    await new Promise((resolve) => client.once('close', resolve));
    assert.equal(handed, false);
    assert.equal(accepted.destroyed, true);
  });

  // Regression: the sniff's timer was socket.setTimeout, a time of silence that every byte reset:
  // a client sending one byte of the preface every 9.9 s held the connection about 230 s.
  it('closes a client that trickles the preface when the time from accept is up, however short each silence', async () => {
    const clock = new SimulatedClock();
    const { client, accepted, taken } = await connect(MINUTE, clock);
    let handed = false;
    void taken.then(() => (handed = true));
    const step = MINUTE / 5 - 1;
    for (const byte of bytewise(PREFACE.slice(0, 5))) {
      await sendPiecewise(client, accepted, [byte]);
      assert.equal(accepted.destroyed, false, `closed at ${clock.now()} ms, before the total`);
      clock.advance(step);
    }
    clock.advance(MINUTE - 5 * step - 1);
    assert.equal(accepted.destroyed, false, `closed at ${clock.now()} ms, before the total`);
    clock.advance(1);
    await new Promise((resolve) => client.once('close', resolve));
    assert.equal(handed, false);
  });

  it('leaves a connection it handed over to the engine when the sniff deadline passes', async () => {
    const clock = new SimulatedClock();
    const { client, accepted, taken } = await connect(MINUTE, clock);
    await sendPiecewise(client, accepted, ['G']);
    assert.equal((await taken).engine, 'http1');
    clock.advance(2 * MINUTE);
    assert.equal(accepted.destroyed, false);
    assert.equal(clock.pendingTimers, 0, 'the sniff deadline is still set after the hand-over');
  });

  // Regression (7655714): a timeout of 0 armed clock.setTimeout(destroy, 0) and closed every h2c
  // connection at once; 0 means no limit, as for Node's TLS handshakeTimeout.
  it('sets no deadline for a timeout of 0: a client that speaks after any wait is served', async () => {
    const clock = new SimulatedClock();
    const { client, accepted, taken } = await connect(0, clock);
    assert.equal(clock.pendingTimers, 0, 'a deadline was set for a timeout of 0');
    clock.advance(2 * MINUTE);
    await sendPiecewise(client, accepted, ['G']);
    assert.equal((await taken).engine, 'http1');
    assert.equal(accepted.destroyed, false);
  });

  it('closes a client that half-closes after a prefix of the preface, serving it nothing', async () => {
    const { client, accepted, taken } = await connect();
    let handed = false;
    void taken.then(() => (handed = true));
    await sendPiecewise(client, accepted, ['PR']);
    client.end();
    await once(client, 'close');
    assert.equal(handed, false);
  });
});
