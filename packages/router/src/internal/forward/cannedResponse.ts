import { STATUS_CODES } from 'node:http';

const allow = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH';

/**
 * A complete response Portico writes itself (400, 408, 502, 504, …). It always says
 * `connection: close`: the caller closes after it, so an unread body can never be taken for the
 * next request (nginx CVE-2019-20372).
 */
export function cannedResponse(status: number): Buffer {
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = `${status} ${reason}\n`;
  const extra = status === 405 ? `allow: ${allow}\r\n` : '';
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${extra}connection: close\r\n\r\n${body}`,
    'latin1',
  );
}
