import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { SimulatedClock } from '@portico/supervisor';
import { ForwarderStateError, RequestHeadParser, ResponseHeadParser, type Dispatch, type ForwarderEvent, type RequestHead, type Upstream } from '@portico/router';
import { resolveForwarderOptions } from '../../src/forward/ForwarderOptions.ts';
import { UpstreamPool } from '@portico/router/internal';
import { Deadline } from '../../src/internal/forward/Deadline.ts';
import { Exchange, type ExchangeOwner } from '../../src/internal/forward/Exchange.ts';
import { clientOrigin } from '../../src/internal/forward/clientOrigin.ts';

// An Exchange driven directly, on real sockets: a real client socket pair, a real backend, a real
// pool. What the owning connection is told is recorded, so each phase change can be watched.

interface Told {
  readonly calls: string[];
  readonly events: ForwarderEvent[];
  /** Resolves at the next owner call whose name starts with `prefix`. */
  next(prefix: string): Promise<string>;
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function clientPair(): Promise<{ client: net.Socket; peer: net.Socket }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const peer = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [client] = (await once(server, 'connection')) as [net.Socket];
  await once(peer, 'connect');
  peer.on('error', () => {});
  client.on('error', () => {});
  cleanup.push(() => {
    peer.destroy();
    client.destroy();
    server.close();
  });
  return { client, peer };
}

/** A backend that hands each connection to `onConnection`. */
async function backend(onConnection: (socket: net.Socket) => void): Promise<Upstream> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    cleanup.push(() => socket.destroy());
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => server.close());
  return { id: 'b', address: { host: '127.0.0.1', port: (server.address() as AddressInfo).port }, token: 't' };
}

function parse(text: string): RequestHead {
  const r = new RequestHeadParser().push(Buffer.from(text, 'latin1'));
  assert.equal(r.kind, 'head');
  return r.head;
}

async function exchangeFor(text: string, dispatch: () => Dispatch | Promise<Dispatch>): Promise<{ exchange: Exchange; told: Told; peer: net.Socket }> {
  const { client, peer } = await clientPair();
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const events: ForwarderEvent[] = [];
  const waiters: Array<{ prefix: string; resolve: (call: string) => void }> = [];
  const tell = (call: string): void => {
    calls.push(call);
    for (const w of waiters.splice(0)) {
      if (call.startsWith(w.prefix)) w.resolve(call);
      else waiters.push(w);
    }
  };
  const options = resolveForwarderOptions({ dispatch, clock, onEvent: (e) => events.push(e) });
  const pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1_000, clock });
  cleanup.push(() => pool.close());
  let exchange: Exchange | undefined;
  const owner: ExchangeOwner = {
    client,
    origin: clientOrigin(client),
    options,
    pool,
    responseParser: new ResponseHeadParser(),
    requestDeadline: new Deadline(clock, () => exchange?.timedOut()),
    stepNow: undefined,
    mustCloseAfterResponse: () => false,
    onBodyDrain: () => tell('bodyDrain'),
    awaitingContinue: false,
    onContinueRelayed: () => tell('continueRelayed'),
    onExchangeDone: (close) => tell(`done ${close}`),
    onExchangeFailed: (status) => tell(`failed ${status}`),
    onExchangeRespond: (status) => tell(`respond ${status}`),
    onExchangeAborted: (reason) => {
      tell(`aborted ${reason}`);
      client.resetAndDestroy();
    },
    onTunnel: (upstream) => {
      tell('tunnel');
      upstream.destroy();
    },
  };
  exchange = new Exchange(owner, parse(text), 'localhost', 'id', undefined);
  const told: Told = {
    calls,
    events,
    next: (prefix) => new Promise((resolve) => waiters.push({ prefix, resolve })),
  };
  return { exchange, told, peer };
}

const GET = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';

describe('Exchange phases', () => {
  it('goes choosing → connecting → awaiting-head → relaying-body → done for a relayed response', async () => {
    let seen!: (socket: net.Socket) => void;
    const request = new Promise<net.Socket>((resolve) => (seen = resolve));
    const upstream = await backend((s) => s.once('data', () => seen(s)));
    const { exchange, told, peer } = await exchangeFor(GET, () => ({ kind: 'forward', upstream }));
    assert.equal(exchange.phase, 'choosing');
    exchange.start();
    assert.equal(exchange.phase, 'connecting');
    exchange.endBody();
    const backendSocket = await request;
    assert.equal(exchange.phase, 'awaiting-head');
    backendSocket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab');
    await once(peer, 'data');
    assert.equal(exchange.phase, 'relaying-body');
    const done = told.next('done');
    backendSocket.write('cd');
    assert.equal(await done, 'done false');
    assert.equal(exchange.phase, 'done');
  });

  it('goes choosing → done when the dispatch answers itself', async () => {
    const { exchange, told } = await exchangeFor(GET, () => ({ kind: 'respond', status: 404 }));
    const answered = told.next('respond');
    exchange.start();
    assert.equal(exchange.phase, 'done');
    assert.equal(await answered, 'respond 404');
  });

  it('goes awaiting-head → choosing for a retry, and choosing → done with 502 when no upstream is left', async () => {
    const upstream = await backend((s) => s.once('data', () => s.destroy()));
    let asked!: () => void;
    const retryAsked = new Promise<void>((resolve) => (asked = resolve));
    let answer!: (upstream: Upstream | undefined) => void;
    const { exchange, told } = await exchangeFor(GET, () => ({
      kind: 'forward',
      upstream,
      retry: () => {
        asked();
        return new Promise<Upstream | undefined>((resolve) => (answer = resolve));
      },
    }));
    exchange.start();
    exchange.endBody();
    const failed = told.next('failed');
    await retryAsked;
    assert.equal(exchange.phase, 'choosing');
    answer(undefined);
    assert.equal(await failed, 'failed 502');
    assert.equal(exchange.phase, 'done');
  });

  it('goes awaiting-head → done with a tunnel on a 101', async () => {
    const upstream = await backend((s) => s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n')));
    const { exchange, told } = await exchangeFor(
      'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      () => ({ kind: 'forward', upstream }),
    );
    const tunnel = told.next('tunnel');
    exchange.start();
    exchange.endBody();
    await tunnel;
    assert.equal(exchange.phase, 'done');
  });

  it('goes connecting → done when the client leaves before the backend accepts', async () => {
    const upstream = await backend(() => {});
    const { exchange } = await exchangeFor(GET, () => ({ kind: 'forward', upstream }));
    exchange.start();
    assert.equal(exchange.phase, 'connecting');
    exchange.abort();
    assert.equal(exchange.phase, 'done');
  });

  it('catches an impossible event: response bytes while choosing reset the client and report internal.error, without a throw', async () => {
    // The dispatch never settles: no backend connection exists, so no backend can have sent bytes.
    const { exchange, told, peer } = await exchangeFor(GET, () => new Promise<Dispatch>(() => {}));
    exchange.start();
    const reset = once(peer, 'error');
    assert.doesNotThrow(() => exchange.backend.onData(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')));
    assert.equal(exchange.phase, 'done');
    const event = told.events.find((e) => e.type === 'internal.error');
    assert.ok(event?.type === 'internal.error');
    assert.ok(event.error instanceof ForwarderStateError);
    assert.match(event.error.message, /Exchange got response bytes in phase choosing/);
    assert.match(told.calls.at(-1)!, /^aborted internal error/);
    const [err] = (await reset) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNRESET');
  });

  it('catches a second end of the request body', async () => {
    const upstream = await backend(() => {});
    const { exchange, told } = await exchangeFor(GET, () => ({ kind: 'forward', upstream }));
    exchange.start();
    exchange.endBody();
    exchange.endBody();
    assert.equal(exchange.phase, 'done');
    assert.ok(told.events.some((e) => e.type === 'internal.error'));
  });
});
