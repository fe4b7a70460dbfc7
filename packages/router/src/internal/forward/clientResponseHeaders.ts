import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';
import { framingField } from '../http1/checkOutboundFields.ts';
import { isRelayedResponseHeader } from '../policy/responseHeaders.ts';

/** What Portico says about the client hop: nothing (HTTP/1.1 keeps alive), close, keep-alive (HTTP/1.0), or a WebSocket upgrade. */
export type ClientConnectionHeader = 'close' | 'keep-alive' | 'upgrade' | undefined;

const CONNECTION_LINES = {
  close: 'connection: close\r\n',
  'keep-alive': 'connection: keep-alive\r\n',
  upgrade: 'connection: upgrade\r\nupgrade: websocket\r\n',
} as const;

/**
 * The response head the client gets, as latin1 text, for a head from Portico's
 * `ResponseHeadParser`: its status, reason and fields passed the parser's checks and the rest is
 * Portico's own, so nothing is checked twice. The fields are the policy's
 * (`visitRelayedResponseHeaders`, with the app's `hidden` headers), then the client hop's
 * `connection`, then the framing. A loop of its own, not the visitor: no closure per response.
 */
export function clientResponseHead(res: ResponseHead, connection: ClientConnectionHeader, body: OutboundResponseFraming, hidden: readonly string[]): string {
  let text = `HTTP/1.1 ${res.status} ${res.reason}\r\n`;
  const { headers, rawNames } = res;
  for (let i = 0; i < headers.length; i++) if (isRelayedResponseHeader(res, i, hidden)) text = `${text}${rawNames[i]!}: ${headers[i]![1]}\r\n`;
  if (connection !== undefined) text += CONNECTION_LINES[connection];
  return `${text}${framingField(body)}\r\n`;
}
