import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { InvalidRouterOptionError } from '../errors.ts';
import type { Dispatch, DispatchRequest } from '../forward/Dispatch.ts';
import { resolveForwarderOptions, type ForwarderOptions, type ResolvedForwarderOptions } from '../forward/ForwarderOptions.ts';
import type { RequestHead } from '../http1/RequestHead.ts';
import { HttpExchange, type ForwardDispatch } from '../internal/embed/HttpExchange.ts';
import { endWithAnswer, refuse, respond } from '../internal/embed/nodeResponses.ts';
import { UpgradeExchange } from '../internal/embed/UpgradeExchange.ts';
import { UpstreamAgents } from '../internal/embed/UpstreamAgents.ts';
import { cannedResponse } from '../internal/forward/cannedResponse.ts';
import { newRequestId } from '../internal/forward/newRequestId.ts';
import { CLIENT_CLOSED_REQUEST, requestIdFor } from '../internal/policy/index.ts';
import { readRequestHead } from './readRequestHead.ts';

/**
 * The embedded forwarder's options: the socket forwarder's (`ForwarderOptions`, one set of docs)
 * that apply when a host's `node:http` server owns the client connection, plus two of its own.
 * The host's server times the client's head, body and keep-alive, so those timeouts are not here.
 */
export type EmbeddedForwarderOptions = Pick<
  ForwarderOptions,
  'proto' | 'limits' | 'requestTimeout' | 'sendTimeout' | 'maxIdlePerUpstream' | 'upstreamIdleTimeout' | 'maxReplayBytes' | 'servesHost' | 'transformRequestHeaders' | 'onEvent' | 'clock'
> & {
  /** Decides each request: forward it or answer it. The router's `route` (or Portico's `dispatch`) is one. */
  readonly dispatch: (request: DispatchRequest) => Dispatch | Promise<Dispatch>;
  /** Methods accepted; others get 501. Default Node's `http.METHODS`. */
  readonly methods?: Iterable<string>;
  /** Connections open at once to one upstream; more requests queue in its agent. Default 256. */
  readonly maxSocketsPerUpstream?: number;
};

/** Portico's forwarder for a host that already runs a `node:http` server (plain, Express, Fastify). */
export interface EmbeddedForwarder {
  /** A request listener: `(req, res)`; extra arguments (Express's `next`) are ignored. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** For the server's `'upgrade'` event: forwards a valid WebSocket handshake, refuses anything else. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Closes the idle pooled backend connections. Requests in flight finish on theirs, which then close instead of being pooled. */
  close(): void;
}

type Accepted = { readonly head: RequestHead; readonly host: string | undefined } | { readonly status: number; readonly reason: string };

/**
 * Builds a `{ handler, upgrade }` pair that forwards requests a host's `node:http` server parsed.
 * Each head is re-read by Portico's strict framer, so the same rules, header contract and retry
 * rule apply as on Portico's own sockets (docs/embedding.md); bodies stream through node:http's
 * client over one keep-alive agent per upstream.
 *
 * @example
 * const forwarder = createEmbeddedForwarder({
 *   dispatch: ({ head, socket, requestId }) => router.route({ head, remoteAddress: socket.remoteAddress ?? '', requestId, connection: socket }),
 * });
 * const server = http.createServer(forwarder.handler);
 * server.on('upgrade', forwarder.upgrade);
 */
export function createEmbeddedForwarder(options: EmbeddedForwarderOptions): EmbeddedForwarder {
  const base = { ...options, proto: options.proto ?? 'http' } as const;
  const resolved: Record<'http' | 'https', ResolvedForwarderOptions> = {
    http: resolveForwarderOptions(base),
    https: resolveForwarderOptions({ ...base, proto: options.proto ?? 'https' }),
  };
  const maxSockets = options.maxSocketsPerUpstream ?? 256;
  if (!Number.isSafeInteger(maxSockets) || maxSockets < 1) {
    throw new InvalidRouterOptionError('maxSocketsPerUpstream', `must be a whole number ≥ 1, got ${String(maxSockets)}`);
  }
  const settings = resolved.http;
  const agents = new UpstreamAgents({
    maxSockets,
    maxIdle: settings.maxIdlePerUpstream,
    idleTimeout: settings.upstreamIdleTimeout,
    maxAgents: 256,
  });
  const parserOptions = { limits: settings.limits, ...(options.methods ? { methods: options.methods } : {}) };
  const optionsFor = (req: IncomingMessage) => ((req.socket as TLSSocket).encrypted ? resolved.https : resolved.http);

  const accept = (req: IncomingMessage): Accepted => {
    // An http2 server's compatibility API hands over requests that look like node:http's; their
    // head re-read as HTTP/2.0 got a bare 505, which said nothing of the server behind it.
    if (req.httpVersionMajor !== 1) return { status: 505, reason: notHttp1(req.httpVersion) };
    const read = readRequestHead(req, parserOptions);
    if (read.kind === 'error') return read;
    const { head } = read;
    if (head.upgrade?.kind === 'invalid-websocket') return { status: 400, reason: head.upgrade.reason };
    if (head.absolute === undefined) return { head, host: head.host };
    // Absolute-form is mapped to origin-form only for a host we serve; never an open proxy.
    let served = false;
    try {
      served = settings.servesHost?.(head.absolute.authority) === true;
    } catch {
      // A failing callback refuses the request; it never takes the host's process down.
    }
    if (!served) return { status: 400, reason: 'absolute-form target for a host not served here' };
    return { head, host: head.absolute.authority };
  };

  const decide = (req: IncomingMessage, head: RequestHead, requestId: string, then: (dispatch: Dispatch) => void): void => {
    let decided: Dispatch | Promise<Dispatch>;
    try {
      decided = settings.dispatch({ head, socket: req.socket, connection: req.socket, requestId });
    } catch {
      // The router's callback failing must cost one request, not the host's process.
      decided = { kind: 'respond', status: 502 };
    }
    if (decided instanceof Promise) decided.then(then, () => then({ kind: 'respond', status: 502 }));
    else then(decided);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // A pipelined request behind an answer still being written: node:http hands over every
    // request of a read at once, and a client that pipelines without reading had them all at
    // backends together (5 000 from one 160 KB write), their answers queued in memory unsent
    // and timed by no one. It is begun when its response gets the socket, after the one before
    // it finished: one request at a time per connection, as on Portico's own sockets, so the
    // answers wait in the socket, where sendTimeout cuts a client that takes none of them. And
    // in the next turn of the event loop: node:http gives the socket in the turn the answer
    // before was written, so a thousand requests in one read that Portico answers itself (a 404,
    // a 405) were all answered in one turn while every other client waited.
    if (res.socket === null) {
      res.once('socket', () => setImmediate(handler, req, res));
      return;
    }
    const accepted = accept(req);
    if ('status' in accepted) {
      settings.onEvent({ type: 'request.refused', status: accepted.status, reason: accepted.reason });
      return refuse(res, accepted.status);
    }
    const { head, host } = accepted;
    if (head.upgrade?.kind === 'websocket') {
      // Only reached when the server has no 'upgrade' listener: the tunnel needs `upgrade`.
      settings.onEvent({ type: 'request.refused', status: 400, reason: 'WebSocket handshake on the request handler; mount upgrade() on the server' });
      return refuse(res, 400);
    }
    if (head.body.kind !== 'none' && req.readableDidRead) {
      // A body parser ran first (express.json()): the bytes are gone, and a backend sent this
      // head would wait for a body that never comes, then the client would get a 502 that says
      // nothing of why. Refuse at once instead, naming the fix.
      settings.onEvent({ type: 'request.refused', status: 500, reason: bodyAlreadyRead });
      return refuse(res, 500);
    }
    const requestId = newRequestId();
    decide(req, head, requestId, (dispatch) => {
      if (res.destroyed || res.writableEnded || req.socket.destroyed) {
        // The client left while the request waited for a backend.
        if (dispatch.kind === 'forward') dispatch.release?.({ status: CLIENT_CLOSED_REQUEST, answered: false, bytesIn: 0, bytesOut: 0, clientClosed: true, incomplete: false });
        return;
      }
      if (dispatch.kind === 'respond') {
        respond(res, dispatch.status, dispatch.headers ?? [], dispatch.body, dispatch.close === true);
        return;
      }
      const sentId = requestIdFor(head, dispatch.trustRequestId === true, requestId);
      new HttpExchange({ req, res, head, host, requestId: sentId, options: optionsFor(req), agents, dispatch: dispatch as ForwardDispatch }).start();
    });
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, early: Buffer): void => {
    socket.on('error', ignore);
    const refuseUpgrade = (status: number, reason: string): void => {
      settings.onEvent({ type: 'request.refused', status, reason });
      socket.end(cannedResponse(status));
    };
    const accepted = accept(req);
    if ('status' in accepted) return refuseUpgrade(accepted.status, accepted.reason);
    // h2c and every other protocol: never tunnelled (BishopFox h2csmuggler).
    if (accepted.head.upgrade?.kind !== 'websocket') return refuseUpgrade(400, 'only a WebSocket upgrade is forwarded');
    const { head, host } = accepted;
    const requestId = newRequestId();
    decide(req, head, requestId, (dispatch) => {
      // A FIN leaves the socket half open (node:http's server allows it), and no longer its to end.
      if (socket.destroyed || socket.readableEnded) {
        socket.destroy();
        if (dispatch.kind === 'forward') dispatch.release?.({ status: CLIENT_CLOSED_REQUEST, answered: false, bytesIn: 0, bytesOut: 0, clientClosed: true, incomplete: false });
        return;
      }
      if (dispatch.kind === 'respond') return endWithAnswer(socket, dispatch.status, dispatch.headers ?? [], dispatch.body);
      const sentId = requestIdFor(head, dispatch.trustRequestId === true, requestId);
      new UpgradeExchange({ req, client: socket, early, head, host, requestId: sentId, options: optionsFor(req), dispatch: dispatch as ForwardDispatch }).start();
    });
  };

  return { handler, upgrade, close: () => agents.close() };
}

function ignore(): void {}

const notHttp1 = (version: string): string =>
  `an HTTP/${version} request reached Portico's embedded handler, which forwards HTTP/1.x requests of a node:http or node:https server: serve Portico's paths from a node:http or node:https server, or let Portico's own listener serve HTTP/2 (docs/embedding.md)`;

const bodyAlreadyRead = "the request's body was read before it reached Portico's handler (a body parser on this path?): mount Portico before any body parser (docs/embedding.md)";
