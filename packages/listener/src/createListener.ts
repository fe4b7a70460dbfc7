import net from 'node:net';
import tls from 'node:tls';
import { systemClock, type Clock } from '@portico/supervisor';
import type { BoundAddress, ListenEntry } from './ListenEntry.ts';
import { type ConnectionBudget, createConnectionBudget } from './ConnectionBudget.ts';
import { InvalidListenerOptionError, ListenFailedError } from './errors.ts';
import { loadTlsCredentials } from './TlsCredentials.ts';
import { sniffPreface } from './sniffPreface.ts';

/** What serves the connections of one listen entry: the router's forwarder. */
export interface ConnectionHandler {
  /**
   * Serves HTTP/1.x on a socket. `initial`: bytes the listener read from it first (the h2c
   * sniff's), which come before any the socket gives; the socket's stream holds none then. A
   * handler must serve them first: they are nowhere else (TypeScript accepts a method that
   * leaves the parameter out, so it is spelled out here, not optional).
   */
  handleConnection(socket: net.Socket, initial: Buffer | undefined): void;
  /** Serves HTTP/2 on a socket, `initial` as above (the preface read by the sniff); without it, no listener offers HTTP/2. */
  handleHttp2Connection?(socket: net.Socket, initial: Buffer | undefined): void;
}

/** A handler that serves HTTP/2 as well. */
export type Http2ConnectionHandler = ConnectionHandler & Required<Pick<ConnectionHandler, 'handleHttp2Connection'>>;

/** The handler when it serves HTTP/2; its methods are then called on it, never detached. */
function servingHttp2(handler: ConnectionHandler): Http2ConnectionHandler | undefined {
  return handler.handleHttp2Connection === undefined ? undefined : (handler as Http2ConnectionHandler);
}

export interface ListenerOptions {
  readonly entries: readonly ListenEntry[];
  /** Gives the handler for an entry; called once per entry at start. */
  readonly handler: (proto: 'http' | 'https', entry: ListenEntry) => ConnectionHandler;
  /** Connections open at once over all entries; past it new ones are closed at accept (nginx worker_connections). Default 10 000. */
  readonly maxConnections?: number;
  /**
   * Milliseconds from accept a TLS client has to finish its handshake, and an h2c listener's
   * client to send enough of its first bytes to tell HTTP/2 from HTTP/1.1; a total, however the
   * client spreads its bytes. 0 is no limit. At most 2^31 - 1, the longest delay a timer takes.
   * Default 10 000.
   */
  readonly handshakeTimeout?: number;
  /** Time for the h2c sniff's deadline; default the real clock (a TLS handshake's is Node's own timer). */
  readonly clock?: Clock;
}

export interface Listener {
  /** Binds every entry; rejects, having closed what it opened, if one cannot be bound. */
  start(): Promise<readonly BoundAddress[]>;
  readonly addresses: readonly BoundAddress[];
  /** Stops accepting new connections; those accepted go on (their forwarder closes them). Idempotent. */
  stopAccepting(): Promise<void>;
  /** Changes the most connections over all entries, for connections accepted from now on (a reload). */
  setMaxConnections(max: number): void;
}

/**
 * Portico's front sockets: plain TCP for HTTP/1.x (and HTTP/2 with prior knowledge where the
 * entry says `h2c`) and TLS for HTTPS (`h2` or `http/1.1` by ALPN), each connection handed to
 * the entry's handler: HTTP/2 to `handleHttp2Connection`, HTTP/1.x to `handleConnection`. Client certificates are requested, not required: the
 * handshake completes and the app's authenticator decides, so a missing certificate gets an HTTP
 * answer (403) rather than a TLS alert.
 */
export function createListener(initialOptions: ListenerOptions): Listener {
  const options = initialOptions;
  validate(options);
  const budget = createConnectionBudget(options.maxConnections ?? 10_000);
  const servers: net.Server[] = [];
  const addresses: BoundAddress[] = [];
  let stopping: Promise<void> | undefined;

  // Not server.close's callback: it comes only once every connection the server accepted has
  // ended, and Portico's stop, which waits for this before its workers drain, was held by any
  // client that kept its connection (a request in flight, a WebSocket, a keep-alive), past
  // shutdownTimeLimit. The listening sockets close at once; the connections are their forwarders'.
  const stopAccepting = () =>
    (stopping ??= (async () => {
      for (const server of servers) if (server.listening) server.close();
    })());

  return {
    addresses,
    stopAccepting,
    setMaxConnections(max) {
      if (!Number.isInteger(max) || max < 1) throw new InvalidListenerOptionError('maxConnections', `must be a whole number ≥ 1, got ${String(max)}`);
      budget.setMax(max);
    },
    async start() {
      try {
        for (const entry of options.entries) {
          const proto = entry.tls ? 'https' : 'http';
          const handler = options.handler(proto, entry);
          const server = entry.tls ? await tlsServer(entry, options, handler, budget) : plainServer(entry, options, handler, budget);
          servers.push(server);
          const host = entry.host ?? '0.0.0.0';
          await new Promise<void>((resolve, reject) => {
            server.once('error', (error: NodeJS.ErrnoException) => reject(new ListenFailedError(`${host}:${entry.port}`, error.code ?? error.message, error)));
            if (entry.handle) server.listen(entry.handle, () => resolve());
            else server.listen(entry.port, host, () => resolve());
          });
          const bound = server.address() as net.AddressInfo;
          addresses.push({ proto, host: entry.handle ? bound.address : host, port: bound.port });
        }
      } catch (error) {
        await stopAccepting();
        throw error;
      }
      return addresses;
    },
  };
}

function plainServer(entry: ListenEntry, options: ListenerOptions, handler: ConnectionHandler, budget: ConnectionBudget): net.Server {
  const http2 = servingHttp2(handler);
  if (entry.h2c !== true || http2 === undefined) {
    return net.createServer({ allowHalfOpen: true }, (socket) => {
      if (budget.admit(socket)) handler.handleConnection(socket, undefined);
    });
  }
  const sniffTimeout = options.handshakeTimeout ?? 10_000;
  const clock = options.clock ?? systemClock;
  return net.createServer({ allowHalfOpen: true }, (socket) => {
    if (budget.admit(socket)) sniffPreface(socket, sniffTimeout, http2, clock);
  });
}

async function tlsServer(entry: ListenEntry, options: ListenerOptions, handler: ConnectionHandler, budget: ConnectionBudget): Promise<tls.Server> {
  const settings = entry.tls!;
  const http2 = entry.http2 !== false ? servingHttp2(handler) : undefined;
  const server = tls.createServer({
    ...(await loadTlsCredentials(settings)),
    requestCert: settings.requestCert ?? false,
    rejectUnauthorized: false,
    // HTTP/1.1 stays on Portico's own framer; never node:http2's allowHTTP1.
    ALPNProtocols: http2 === undefined ? ['http/1.1'] : ['h2', 'http/1.1'],
    handshakeTimeout: options.handshakeTimeout ?? 10_000,
    allowHalfOpen: true,
  });
  // Before the handshake's own listener: a socket past the limit is destroyed unread, which the
  // handshake then reports as a client error (ignored below).
  server.prependListener('connection', (socket: net.Socket) => budget.admit(socket));
  server.on('secureConnection', (socket) => {
    if (http2 !== undefined && socket.alpnProtocol === 'h2') http2.handleHttp2Connection(socket, undefined);
    else handler.handleConnection(socket, undefined);
  });
  // A failed handshake is the client's problem; it must not reach the process as an error. Node
  // reports a handshake past handshakeTimeout here and leaves the socket open (a client that said
  // nothing held its connection, and a place in maxConnections, for good): it is closed here.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return server;
}

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days). */
const maxTimerDelay = 2_147_483_647;

function validate(options: ListenerOptions): void {
  // Through `unknown`: Array.isArray narrows a readonly array to `any[]`.
  if (!Array.isArray(options.entries as unknown) || options.entries.length === 0) {
    throw new InvalidListenerOptionError('listen', 'needs at least one entry, e.g. [{ "port": 8080 }]');
  }
  options.entries.forEach((entry, i) => {
    if (!Number.isInteger(entry.port) || entry.port < 0 || entry.port > 65_535) {
      throw new InvalidListenerOptionError(`listen[${i}].port`, `must be a port number from 0 to 65535, got ${String(entry.port)}`);
    }
    if (entry.tls && entry.h2c === true) {
      throw new InvalidListenerOptionError(`listen[${i}].h2c`, 'is for plain listeners; an HTTPS listener offers HTTP/2 by ALPN (`http2`)');
    }
    if (!entry.tls && entry.http2 !== undefined) {
      throw new InvalidListenerOptionError(`listen[${i}].http2`, 'is for HTTPS listeners; a plain listener serves HTTP/2 only with `h2c: true`');
    }
    if (entry.tls && (!entry.tls.cert || !entry.tls.key)) {
      throw new InvalidListenerOptionError(`listen[${i}].tls`, 'needs both "cert" and "key" (PEM file paths)');
    }
  });
  const max = options.maxConnections;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new InvalidListenerOptionError('maxConnections', `must be a whole number ≥ 1, got ${String(max)}`);
  }
  // A timer fires after 1 ms for a delay above 2^31 - 1 and at once for a negative or NaN one:
  // the h2c sniff would close every connection.
  const handshake = options.handshakeTimeout;
  if (handshake !== undefined && (!Number.isInteger(handshake) || handshake < 0 || handshake > maxTimerDelay)) {
    throw new InvalidListenerOptionError('handshakeTimeout', `must be whole milliseconds from 0 (no limit) to ${maxTimerDelay}, got ${String(handshake)}`);
  }
}
