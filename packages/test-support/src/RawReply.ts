import type http from 'node:http';

/** A whole response: status, headers as node:http parsed them, and the body as UTF-8. */
export interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
