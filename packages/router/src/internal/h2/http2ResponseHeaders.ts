import type { OutgoingHttpHeaders } from 'node:http2';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import { visitRelayedResponseHeaders, type PorticoAnswer } from '../policy/index.ts';

/** Adds a field to a node:http2 header object; a repeated name (Set-Cookie) becomes a list, in order. */
function add(headers: OutgoingHttpHeaders, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[name] = [existing as string, value];
}

/**
 * A backend's response head as HTTP/2 fields: the forwarding policy's relayed headers
 * (`visitRelayedResponseHeaders`: hop-by-hop, Portico's secrets and the app's hidden headers
 * removed) in lower case, as RFC 9113 §8.2 requires, with `:status` and the body's length where
 * it has one. `http2-settings` is dropped too: node:http2 refuses it as connection-specific.
 */
export function relayedHeaders(res: ResponseHead, hidden: readonly string[], length: number | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':status': res.status };
  visitRelayedResponseHeaders(res, hidden, (name, value) => {
    const lower = name.toLowerCase();
    if (lower !== 'http2-settings') add(headers, lower, value);
  });
  if (length !== undefined) headers['content-length'] = String(length);
  return headers;
}

/** One of Portico's own answers as HTTP/2 fields: the policy's headers, lower-cased, and the body's length. */
export function answerHeaders(answer: PorticoAnswer, length: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':status': answer.status };
  for (const [name, value] of answer.headers) add(headers, name.toLowerCase(), value);
  headers['content-length'] = String(length);
  return headers;
}
