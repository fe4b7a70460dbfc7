import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import { serializeResponseHead } from '../../http1/serializeResponseHead.ts';
import { cannedBody } from '../forward/cannedResponse.ts';
import { NO_BODY } from '../http1/framings.ts';

const allow = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH';
const framing = new Set(['content-length', 'transfer-encoding', 'connection']);

/** `[name, value]` pairs as the flat array node:http's `writeHead` takes, order and duplicates kept. */
export function flatten(headers: readonly HeaderPair[]): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) out.push(name, value);
  return out;
}

/**
 * Portico's own short answer (400, 502, 504, …) with `connection: close`, so the host's server
 * never reads an unread body as the next request (nginx CVE-2019-20372).
 */
export function refuse(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(cannedBody(status), 'latin1');
  const headers: string[] = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length), 'connection', 'close'];
  if (status === 405) headers.push('allow', allow);
  res.writeHead(status, STATUS_CODES[status] ?? 'Error', headers);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** A response the dispatcher decided on: its headers checked, framed by Content-Length. */
export function respond(res: ServerResponse, status: number, headers: readonly HeaderPair[], body: string, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(body, 'utf8');
  const out: HeaderPair[] = headers.filter(([name]) => !framing.has(name.toLowerCase()));
  if (!out.some(([name]) => name.toLowerCase() === 'content-type')) out.push(['content-type', 'text/plain; charset=utf-8']);
  if (close) out.push(['connection', 'close']);
  const reason = STATUS_CODES[status] ?? 'Status';
  try {
    // Checked with Portico's own rules first: node:http would throw mid-write on some of them.
    serializeResponseHead({ status, reason, headers: out, body: NO_BODY });
    out.push(['content-length', String(payload.length)]);
    res.writeHead(status, reason, flatten(out));
  } catch {
    return refuse(res, 500);
  }
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}
