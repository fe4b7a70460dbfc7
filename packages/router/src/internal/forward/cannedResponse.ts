import { STATUS_CODES } from 'node:http';
import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import { serializeResponseHead } from '../../http1/serializeResponseHead.ts';

const allow = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH';

/**
 * A complete response Portico writes itself (400, 408, 502, 504, …). It always says
 * `connection: close`: the caller closes after it, so an unread body can never be taken for the
 * next request (nginx CVE-2019-20372).
 */
export function cannedResponse(status: number): Buffer {
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = cannedBody(status);
  const extra = status === 405 ? `allow: ${allow}\r\n` : '';
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${extra}connection: close\r\n\r\n${body}`,
    'latin1',
  );
}

/** The plain-text body of Portico's own short answers: `503 Service Unavailable`. */
export function cannedBody(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;
}

/**
 * A response the router decided on (an error page, an auth challenge, app_offline.htm): its
 * headers checked and framed by Content-Length, with `connection: close` unless `keepAlive`.
 */
export function porticoResponse(status: number, headers: readonly HeaderPair[], body: string, keepAlive: boolean, http10: boolean): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const framing = new Set(['content-length', 'transfer-encoding', 'connection']);
  const out: HeaderPair[] = headers.filter(([name]) => !framing.has(name.toLowerCase()));
  if (!out.some(([name]) => name.toLowerCase() === 'content-type')) out.push(['content-type', 'text/plain; charset=utf-8']);
  if (!keepAlive) out.push(['connection', 'close']);
  else if (http10) out.push(['connection', 'keep-alive']);
  const head = serializeResponseHead({
    status,
    reason: STATUS_CODES[status] ?? 'Status',
    headers: out,
    body: { kind: 'length', length: payload.length },
  });
  return Buffer.concat([head, payload]);
}
