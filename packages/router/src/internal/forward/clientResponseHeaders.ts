import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';
import { framingField } from '../http1/checkOutboundFields.ts';
import { isHopByHop } from './hopByHop.ts';

/** What Portico says about the client hop: nothing (HTTP/1.1 keeps alive), close, keep-alive (HTTP/1.0), or a WebSocket upgrade. */
export type ClientConnectionHeader = 'close' | 'keep-alive' | 'upgrade' | undefined;

/**
 * Visits a backend response's headers as the client gets them: hop-by-hop and framing headers
 * and every header the backend named in Connection removed; all others, every Set-Cookie line
 * included, kept in order with their spelling; then `connection` as Portico decides it.
 */
function keptResponseHeaders(
  head: Pick<ResponseHead, 'headers' | 'rawNames' | 'connectionTokens'>,
  connection: ClientConnectionHeader,
  visit: (name: string, value: string) => void,
): void {
  const named = head.connectionTokens;
  for (let i = 0; i < head.headers.length; i++) {
    const [name, value] = head.headers[i]!;
    if (isHopByHop(name) || (named.length > 0 && named.includes(name))) continue;
    visit(head.rawNames[i]!, value);
  }
  if (connection === 'upgrade') {
    visit('connection', 'upgrade');
    visit('upgrade', 'websocket');
  } else if (connection !== undefined) {
    visit('connection', connection);
  }
}

/** The headers the client gets, as a list for a writer that checks them: for a response node:http parsed. */
export function clientResponseHeaders(head: Pick<ResponseHead, 'headers' | 'rawNames' | 'connectionTokens'>, connection: ClientConnectionHeader): HeaderPair[] {
  const out: HeaderPair[] = [];
  keptResponseHeaders(head, connection, (name, value) => out.push([name, value]));
  return out;
}

/**
 * The response head the client gets, as latin1 text, for a head from Portico's
 * `ResponseHeadParser`: its status, reason and fields passed the parser's checks and the rest is
 * Portico's own, so nothing is checked twice.
 */
export function clientResponseHead(res: ResponseHead, connection: ClientConnectionHeader, body: OutboundResponseFraming): string {
  let text = `HTTP/1.1 ${res.status} ${res.reason}\r\n`;
  keptResponseHeaders(res, connection, (name, value) => {
    text = `${text}${name}: ${value}\r\n`;
  });
  return `${text}${framingField(body)}\r\n`;
}
