import type http from 'node:http';

/**
 * A whole response as node:http parsed it: status, headers (names lower-cased, repeats joined) and
 * the body as UTF-8. A test that must see the header lines as sent reads the socket itself
 * (the root's authRawRequest).
 */
export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
