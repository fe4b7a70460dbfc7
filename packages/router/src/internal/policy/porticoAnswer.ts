import { STATUS_CODES } from 'node:http';
import type { HeaderPair } from '../../forward/ForwarderOptions.ts';

/**
 * A response Portico gives itself instead of a backend's: its status, reason and end-to-end
 * headers and body. Framing and the connection's fate are the engine's to add (HTTP/1.1 writes
 * `content-length` and `connection`; an HTTP/2 stream would write only `content-length`).
 */
export interface PorticoAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly HeaderPair[];
  readonly body: string;
}

/** What a 405 says is allowed; CONNECT, TRACE and TRACK never are (docs/proxy.md). */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH';

const PLAIN_TEXT: HeaderPair = ['content-type', 'text/plain; charset=utf-8'];
const PLAIN_TEXT_ONLY: readonly HeaderPair[] = [PLAIN_TEXT];
const METHOD_NOT_ALLOWED: readonly HeaderPair[] = [PLAIN_TEXT, ['allow', ALLOWED_METHODS]];

/** The plain-text body of Portico's own short answers: `503 Service Unavailable`. */
export function cannedBody(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;
}

/** Portico's own short answer to a refused or failed request (400, 405, 502, 504, …). */
export function cannedAnswer(status: number): PorticoAnswer {
  return {
    status,
    reason: STATUS_CODES[status] ?? 'Error',
    headers: status === 405 ? METHOD_NOT_ALLOWED : PLAIN_TEXT_ONLY,
    body: cannedBody(status),
  };
}

/**
 * An answer the router decided on (an error page, an auth challenge, app_offline.htm): its
 * headers without framing or connection fields, which the engine computes, and plain text unless
 * they name a content type. The headers are the router's, still to be checked where written.
 */
export function decidedAnswer(status: number, headers: readonly HeaderPair[], body: string | undefined): PorticoAnswer {
  const kept = headers.filter(([name]) => !isEngineField(name.toLowerCase()));
  if (!kept.some(([name]) => name.toLowerCase() === 'content-type')) kept.push(PLAIN_TEXT);
  return { status, reason: STATUS_CODES[status] ?? 'Status', headers: kept, body: body ?? cannedBody(status) };
}

function isEngineField(name: string): boolean {
  return name === 'content-length' || name === 'transfer-encoding' || name === 'connection';
}
