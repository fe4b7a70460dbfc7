import type { IncomingMessage } from 'node:http';
import { requestInfo } from './internal/requestInfo.ts';

/**
 * What Portico says about a request: read from its headers only when the request carried the
 * valid pairing token, so none of it can come from the client. Fields Portico did not send are
 * `undefined`.
 */
export interface PorticoRequestInfo {
  /** The client's address: the right-most `x-forwarded-for` value, without a port. */
  readonly clientAddress: string | undefined;
  /** `http` or `https`, as the client spoke to Portico (`x-forwarded-proto`). */
  readonly protocol: string | undefined;
  /** The `Host` the client asked for (`x-forwarded-host`). */
  readonly host: string | undefined;
  /** The port the client connected to on Portico (`x-forwarded-port`). */
  readonly port: number | undefined;
  /** The mount path Portico took off the request path (`x-forwarded-prefix`), for an app with `stripPrefix`. */
  readonly prefix: string | undefined;
  /** Portico's id for this request (`x-request-id`), also in Portico's own logs. */
  readonly requestId: string | undefined;
  /** The authenticated user (`x-portico-user`), when the app has `auth`. */
  readonly user: string | undefined;
  /** The scheme that authenticated the user (`x-portico-auth`), such as `basic` or `jwt`. */
  readonly authScheme: string | undefined;
  /** The user's claims (`x-portico-claims`, a JSON object). */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
  /** The client's TLS certificate as DER bytes (`x-portico-client-cert`, base64). */
  readonly clientCertificate: Buffer | undefined;
}

declare module 'node:http' {
  interface IncomingMessage {
    /**
     * Set by `withPortico` / `porticoMiddleware` on requests that carried the valid pairing
     * token; absent when the process runs without Portico.
     */
    portico?: PorticoRequestInfo;
  }
}

/**
 * The Portico data of a request that passed the token check, or `undefined` when the process
 * runs without Portico (no token in the environment). Accepts Node's request or a framework
 * request that wraps it as `.raw` (Fastify).
 *
 * @example
 * const user = getPortico(req)?.user; // undefined in development: authorise accordingly
 */
export function getPortico(req: IncomingMessage | { readonly raw: IncomingMessage }): PorticoRequestInfo | undefined {
  return requestInfo.get(req) ?? ('raw' in req ? requestInfo.get(req.raw) : undefined);
}
