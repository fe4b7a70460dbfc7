import { systemClock, type Clock } from '@portico/supervisor';
import { InvalidRouterOptionError } from '../errors.ts';
import { resolveHttp1Limits, type Http1Limits } from '../http1/Http1Limits.ts';
import type { RequestHead } from '../http1/RequestHead.ts';
import type { Dispatch, DispatchRequest } from './Dispatch.ts';
import type { Upstream } from './Upstream.ts';

/** A header as `[name, value]`; names keep the client's spelling. */
export type HeaderPair = readonly [string, string];

export interface ForwarderOptions {
  /**
   * Decides each request: forward it (perhaps after waiting for a backend to start) or answer it.
   * The router's `route` is one. Give this or `pickUpstream`.
   */
  readonly dispatch?: (request: DispatchRequest) => Dispatch | Promise<Dispatch>;
  /** The simple form: the backend for the next request, or undefined when none is ready (503). */
  readonly pickUpstream?: () => Upstream | undefined;
  /** The scheme the client used, sent as x-forwarded-proto. Default `http` (embedded: `https` when the client's socket is TLS). */
  readonly proto?: 'http' | 'https';
  /** Framer limits (docs/proxy.md). */
  readonly limits?: Partial<Http1Limits>;
  /**
   * Milliseconds the backend may go without progress: from the request (or its last body byte
   * sent) to the response head, then 504; and between two reads of the response body, then the
   * client connection is cut. Default 120 000.
   */
  readonly requestTimeout?: number;
  /** Milliseconds a client has to send a complete request head before 408. Default 60 000. */
  readonly headersTimeout?: number;
  /** Milliseconds a request body may stall between two reads before 408 (or a cut, once answered). Default 60 000. */
  readonly bodyIdleTimeout?: number;
  /** Milliseconds a client may leave the response unread (its socket full) before it is cut. Default 60 000. */
  readonly sendTimeout?: number;
  /**
   * Milliseconds an idle client connection is kept between requests (on HTTP/2: with no stream
   * open). 0 closes an HTTP/1.1 connection after each response; an HTTP/2 connection, which carries
   * many requests at once, then waits `headersTimeout` instead. Default 75 000.
   */
  readonly keepAliveTimeout?: number;
  /** Idle backend connections kept per upstream. Default 256; keep it above the expected concurrency. */
  readonly maxIdlePerUpstream?: number;
  /** Milliseconds an idle backend connection is kept. Default 4 000. */
  readonly upstreamIdleTimeout?: number;
  /** Body bytes kept so an idempotent request can be replayed on another upstream. Default 64 KiB. */
  readonly maxReplayBytes?: number;
  /**
   * Whether an absolute-form target (`GET http://host/x`) names a host Portico serves; only then
   * is it mapped to origin-form, with that authority as Host. Without it, absolute-form gets 400.
   */
  readonly servesHost?: (authority: string) => boolean;
  /**
   * Last say over the inbound headers after hop-by-hop and Portico's own headers are removed and
   * before Portico's are added: where spoofable identity headers are stripped and identity added.
   */
  readonly transformRequestHeaders?: (headers: HeaderPair[], head: RequestHead) => HeaderPair[];
  /** Told about each refused request and failed exchange, for logging. Must not throw. */
  readonly onEvent?: (event: ForwarderEvent) => void;
  /** Time for the connection and exchange deadlines; default the real clock. */
  readonly clock?: Clock;
}

/** What the forwarder reports about a connection, for logs and metrics. */
export type ForwarderEvent =
  | { readonly type: 'request.refused'; readonly status: number; readonly reason: string }
  | { readonly type: 'upstream.failed'; readonly upstreamId: string; readonly error: Error; readonly retried: boolean }
  | { readonly type: 'response.aborted'; readonly reason: string }
  /** A forwarding state machine met an event its phase rules out (a `ForwarderStateError`): a bug; that connection was reset. */
  | { readonly type: 'internal.error'; readonly error: Error };

export interface ResolvedForwarderOptions {
  readonly dispatch: (request: DispatchRequest) => Dispatch | Promise<Dispatch>;
  readonly proto: 'http' | 'https';
  readonly limits: Http1Limits;
  readonly requestTimeout: number;
  readonly headersTimeout: number;
  readonly bodyIdleTimeout: number;
  readonly sendTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxIdlePerUpstream: number;
  readonly upstreamIdleTimeout: number;
  readonly maxReplayBytes: number;
  readonly servesHost: ((authority: string) => boolean) | undefined;
  readonly transformRequestHeaders: ((headers: HeaderPair[], head: RequestHead) => HeaderPair[]) | undefined;
  readonly onEvent: (event: ForwarderEvent) => void;
  readonly clock: Clock;
}

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidRouterOptionError(name, `must be a whole number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

export function resolveForwarderOptions(options: ForwarderOptions): ResolvedForwarderOptions {
  const { dispatch, pickUpstream } = options;
  if (typeof dispatch !== 'function' && typeof pickUpstream !== 'function') {
    throw new InvalidRouterOptionError('dispatch', 'must be a function (or give pickUpstream)');
  }
  if (options.proto !== undefined && options.proto !== 'http' && options.proto !== 'https') {
    throw new InvalidRouterOptionError('proto', `must be "http" or "https", got ${String(options.proto)}`);
  }
  const onEvent = options.onEvent;
  return {
    dispatch: dispatch ?? fromPicker(pickUpstream!),
    proto: options.proto ?? 'http',
    limits: resolveHttp1Limits(options.limits),
    requestTimeout: count('requestTimeout', options.requestTimeout, 120_000, 1),
    headersTimeout: count('headersTimeout', options.headersTimeout, 60_000, 1),
    bodyIdleTimeout: count('bodyIdleTimeout', options.bodyIdleTimeout, 60_000, 1),
    sendTimeout: count('sendTimeout', options.sendTimeout, 60_000, 1),
    keepAliveTimeout: count('keepAliveTimeout', options.keepAliveTimeout, 75_000, 0),
    maxIdlePerUpstream: count('maxIdlePerUpstream', options.maxIdlePerUpstream, 256, 0),
    upstreamIdleTimeout: count('upstreamIdleTimeout', options.upstreamIdleTimeout, 4_000, 1),
    maxReplayBytes: count('maxReplayBytes', options.maxReplayBytes, 64 * 1024, 0),
    servesHost: options.servesHost,
    transformRequestHeaders: options.transformRequestHeaders,
    clock: options.clock ?? systemClock,
    onEvent: (event) => {
      try {
        onEvent?.(event);
      } catch {
        // A logging hook that throws must not take a connection down with it.
      }
    },
  };
}

/** `pickUpstream` as a dispatcher: the picked upstream, retried with a fresh pick; 503 when none. */
function fromPicker(pick: () => Upstream | undefined): () => Dispatch {
  return () => {
    let upstream: Upstream | undefined;
    try {
      upstream = pick();
    } catch {
      // A failing picker costs this request a 503, never the process.
      upstream = undefined;
    }
    return upstream === undefined ? { kind: 'respond', status: 503, close: true } : { kind: 'forward', upstream, retry: pick };
  };
}
