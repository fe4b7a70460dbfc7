import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/** Limits and timeouts of the front sockets, for every listener. Times are in seconds. */
export const LimitsSchema = Type.Object(
  {
    maxHeaderBytes: Defaulted(
      Type.Integer({
        minimum: 1024,
        maximum: 1048576,
        description: 'Largest request head (request line and headers) in bytes; a larger one gets 431. nginx: `large_client_header_buffers 4 8k` (32 KiB in 8 KiB lines).',
      }),
      16384,
    ),
    maxHeaderCount: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        description: 'Most header lines in a request head; more get 431. nginx: `max_headers 1000`; Envoy: 100. Backends have limits of their own, which Portico adds about 8 lines to (its framing and own headers, written first, so a backend that drops the rest still sees them): Node takes 1 000 header lines (`server.maxHeadersCount`) and 16 KiB of head (`--max-http-header-size`): Node 20 drops the lines past 1 000, Node 24 and later answer 431 to the whole request; Kestrel 100 lines and 32 KiB; Go 1 MiB of head; gunicorn 100 lines. Raise a backend\'s limits before raising this one past them.',
      }),
      100,
    ),
    headersTimeout: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 3600,
        description: 'Seconds a client has to send a complete request head, against slow-header attacks; then 408. On HTTP/2: a header block (HEADERS and its CONTINUATIONs) must end within it, or the connection is closed, and a new connection must open its first stream within it. nginx: `client_header_timeout 60s`.',
      }),
      60,
    ),
    bodyIdleTimeout: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 3600,
        description: 'Seconds a request body may stall between two reads before the connection is closed. nginx: `client_body_timeout 60s`.',
      }),
      60,
    ),
    sendTimeout: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 3600,
        description: 'Seconds a client may leave a response unread (its socket full) before the connection is cut and the backend request aborted. nginx: `send_timeout 60s`.',
      }),
      60,
    ),
    keepAliveTimeout: Defaulted(
      Type.Number({
        minimum: 0,
        maximum: 3600,
        description: 'Seconds an idle client connection is kept open between requests (on HTTP/2: with no request in flight). `0`: an HTTP/1.1 connection is closed after each response; an HTTP/2 connection, which carries many requests at once, is kept and closed once `headersTimeout` passes with no request in flight. nginx: `keepalive_timeout 75s`.',
      }),
      75,
    ),
    maxConnections: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 1000000,
        description: 'Most client connections open at once over all listeners, counted together (two `listen` entries share one limit, HTTPS and plain alike); further ones are closed at accept, before any TLS handshake, until one closes. With `fronts` above 1 it bounds each front process: N fronts hold up to N times this many. nginx: `worker_connections 512` per worker process.',
      }),
      10000,
    ),
  },
  { additionalProperties: false, default: {}, description: 'Limits and timeouts of the front sockets, for every listener.' },
);

export type LimitsConfig = Resolved<typeof LimitsSchema>;
