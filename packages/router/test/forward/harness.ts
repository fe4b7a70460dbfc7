// Real servers on 127.0.0.1:0 for forwarder tests: node:http backends, a raw recording backend,
// the forwarder behind a net.Server, and a raw-socket client.
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createForwarder, type Forwarder, type ForwarderEvent, type ForwarderOptions, type Upstream } from '@portico/router';
import type { SimulatedClock } from '@portico/supervisor';

export interface Running {
  readonly port: number;
  close(): Promise<void>;
}

const running = new Set<Running>();

/** Closes everything started by the helpers below; call from afterEach. */
export async function closeAll(): Promise<void> {
  const all = [...running];
  running.clear();
  await Promise.all(all.map((r) => r.close()));
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export interface HttpBackend extends Running {
  readonly server: http.Server;
}

export async function startHttpBackend(handler: http.RequestListener): Promise<HttpBackend> {
  const server = http.createServer(handler);
  const port = await listen(server);
  const backend: HttpBackend = {
    server,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  running.add(backend);
  return backend;
}

export interface RawBackend extends Running {
  /** Everything each connection sent, in order of connection. */
  readonly received: Buffer[][];
  readonly connections: number;
}

/** A backend that records raw bytes and answers each received chunk with `respond(bytes)`. */
export async function startRawBackend(respond: (data: Buffer, socket: net.Socket) => void): Promise<RawBackend> {
  const received: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const log: Buffer[] = [];
    received.push(log);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      log.push(d);
      respond(d, socket);
    });
  });
  const port = await listen(server);
  const backend: RawBackend = {
    received,
    get connections() {
      return received.length;
    },
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  running.add(backend);
  return backend;
}

export function upstreamAt(port: number, id = `u${port}`, token = `token-${port}`): Upstream {
  return { id, address: { host: '127.0.0.1', port }, token };
}

export interface Proxy extends Running {
  readonly forwarder: Forwarder;
  readonly events: ForwarderEvent[];
}

export async function startProxy(options: Partial<ForwarderOptions> & Pick<ForwarderOptions, 'pickUpstream'>): Promise<Proxy> {
  const events: ForwarderEvent[] = [];
  const forwarder = createForwarder({ ...options, onEvent: (e) => events.push(e) });
  const server = net.createServer({ allowHalfOpen: true }, (socket) => forwarder.handleConnection(socket));
  const port = await listen(server);
  const proxy: Proxy = {
    forwarder,
    events,
    port,
    close: async () => {
      await forwarder.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  running.add(proxy);
  return proxy;
}

export interface RawReply {
  readonly text: string;
  /** How the connection ended: a clean FIN, a reset, or still open when `until` matched. */
  readonly ended: 'end' | 'reset' | 'open';
}

/**
 * Sends raw bytes and collects the reply until the connection ends or `until(text)` holds.
 * `halfClose` sends FIN after the bytes, as a client with nothing more to say does.
 */
export async function rawRequest(
  port: number,
  bytes: string | Buffer | Array<string | Buffer>,
  options: { until?: (text: string) => boolean; halfClose?: boolean } = {},
): Promise<RawReply> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  let ended: RawReply['ended'] = 'end';
  const done = new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (options.until?.(text) === true) {
        ended = 'open';
        resolve();
      }
    });
    socket.on('error', () => {
      ended = 'reset';
    });
    socket.on('close', () => resolve());
  });
  for (const part of Array.isArray(bytes) ? bytes : [bytes]) socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
  if (options.halfClose === true) socket.end();
  await done;
  socket.destroy();
  return { text, ended };
}

/** Responses in a raw reply, split on status lines. */
export function statusLines(text: string): string[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3})[^\r]*\r\n/g)].map((m) => m[1]!);
}

export async function httpGet(port: number, path: string, agent?: http.Agent, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A promise and the function that settles it, for waiting on something a callback sees. */
export function signal(): { readonly promise: Promise<void>; readonly fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/**
 * A raw backend's answer of `size` bytes of `a` (`writeTo` a socket), written only as fast as the
 * socket takes them, for a client that stops reading a download: `stalled()` resolves once the
 * writes have stopped moving (checked every 300 ms), when every buffer between the two is full
 * and what the proxy sends that client next has to wait.
 */
export class BulkAnswer {
  readonly size: number;
  /** Bytes handed to the socket so far. */
  sent = 0;

  constructor(size: number) {
    this.size = size;
  }

  writeTo(socket: net.Socket): void {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${this.size}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (this.sent < this.size) {
        this.sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    pump();
  }

  async stalled(): Promise<void> {
    for (let last = -1; last !== this.sent; ) {
      last = this.sent;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

/**
 * A backend that answers with `size` bytes of `a`, written only as fast as its socket takes them;
 * `closed` fires when a connection of it closes (a proxy gave up on the response).
 */
export async function startBulkBackend(size: number): Promise<HttpBackend & { readonly closed: Promise<void> }> {
  const closed = signal();
  const backend = await startHttpBackend((req, res) => {
    req.socket.on('close', closed.fire);
    res.writeHead(200, { 'content-length': size });
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += piece.length;
        if (!res.write(piece)) return;
      }
      res.end();
    };
    res.on('drain', pump);
    res.on('error', () => {});
    pump();
  });
  return { ...backend, closed: closed.promise };
}

export interface HeldBackend extends HttpBackend {
  /** The next response the backend holds, head sent, for the test to write and end. */
  readonly next: () => Promise<http.ServerResponse>;
}

/** A backend that sends a 200 head and hands each response to the test to write and end. */
export async function startHeldBackend(): Promise<HeldBackend> {
  const waiting: Array<(res: http.ServerResponse) => void> = [];
  const held: http.ServerResponse[] = [];
  const backend = await startHttpBackend((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const take = waiting.shift();
    if (take !== undefined) take(res);
    else held.push(res);
  });
  const next = (): Promise<http.ServerResponse> => {
    const res = held.shift();
    return res !== undefined ? Promise.resolve(res) : new Promise((resolve) => waiting.push(resolve));
  };
  return { ...backend, next };
}

/**
 * Asks the proxy at `port` for one response (then close) that `backend` writes in six pieces
 * 150 ms apart on `clock`, 900 ms in all, each only once the client has the one before; resolves
 * with everything the client got.
 */
export async function readSlowPieces(port: number, backend: HeldBackend, clock: SimulatedClock): Promise<string> {
  const client = net.connect(port, '127.0.0.1');
  let text = '';
  client.on('data', (d: Buffer) => (text += d.toString('latin1')));
  client.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  const response = await backend.next();
  for (let i = 0; i < 6; i++) {
    clock.advance(150);
    response.write(`piece ${i}\n`);
    while (!text.includes(`piece ${i}\n`)) await once(client, 'data');
  }
  response.end('done\n');
  await once(client, 'close');
  return text;
}

/**
 * Sends `GET /big` to the proxy at `port` and reads nothing of the answer until `readRest`, which
 * reads on to the close (a reset included) and resolves with the bytes the client got in all.
 */
export async function stallingClient(port: number): Promise<{ readonly readRest: () => Promise<number> }> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  client.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
  client.pause();
  return {
    readRest: async () => {
      let received = 0;
      client.on('data', (d: Buffer) => (received += d.length));
      // The cut is a reset: wait for the close, not with once(), which rejects on the reset's error.
      const closed = new Promise((resolve) => client.on('close', resolve));
      client.resume();
      await closed;
      return received;
    },
  };
}

/**
 * Sends a GET to the proxy at `port` and resolves once the answer so far ends with `ending`;
 * `closed` then resolves, when the connection closes, with whether it ended in a reset.
 */
export async function getUntilEnding(port: number, ending: string): Promise<{ readonly closed: Promise<{ readonly reset: boolean }> }> {
  const client = net.connect(port, '127.0.0.1');
  let text = '';
  let reset = false;
  client.on('data', (d: Buffer) => (text += d.toString('latin1')));
  client.on('error', () => (reset = true));
  client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  while (!text.endsWith(ending)) await once(client, 'data');
  return { closed: new Promise((resolve) => client.on('close', () => resolve({ reset }))) };
}

/**
 * Sends `POST /big` to the proxy at `port` with a 100-byte body, one byte every 100 ms, and
 * reads nothing of the answer. Resolves, once the proxy has closed the connection, whether it
 * reset it. No deadline of its own (mocha's timeout is the safety net): the proxy finds the client
 * stalled only once every buffer between them is full, and on a busy machine that took more than
 * the 5 s this once allowed.
 */
export async function uploadWithoutReading(port: number): Promise<boolean> {
  const client = net.connect(port, '127.0.0.1');
  let reset = false;
  client.on('error', () => (reset = true));
  await once(client, 'connect');
  client.write('POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nx');
  client.pause();
  const trickle = setInterval(() => {
    if (client.writable) client.write('x');
  }, 100);
  try {
    // Not once(client, 'close'): that rejects on the 'error' a reset brings.
    await new Promise((resolve) => client.on('close', resolve));
    return reset;
  } finally {
    clearInterval(trickle);
    client.destroy();
  }
}

/** One GET, to be repeated into a pipelined flood. */
export const PIPELINED_GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

/** A client that writes `count` pipelined GETs in one go and never reads an answer. */
export async function floodWithoutReading(port: number, count: number): Promise<net.Socket> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  client.pause();
  client.write(PIPELINED_GET.repeat(count));
  return client;
}
