import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import { isHopByHop } from './hopByHop.ts';

/** What the response rules read of a backend's response head, whichever parser read it. */
export type RelayedResponseFields = Pick<ResponseHead, 'headers' | 'rawNames' | 'connectionTokens'>;

/**
 * Visits a backend response's headers as the client gets them: hop-by-hop and framing headers
 * and every header the backend named in Connection removed; all others, every Set-Cookie line
 * included, kept in order with their spelling. The engine then adds its framing and, on
 * HTTP/1.1, what it says about the client connection.
 */
export function visitRelayedResponseHeaders(head: RelayedResponseFields, visit: (name: string, value: string) => void): void {
  const named = head.connectionTokens;
  for (let i = 0; i < head.headers.length; i++) {
    const [name, value] = head.headers[i]!;
    if (isHopByHop(name) || (named.length > 0 && named.includes(name))) continue;
    visit(head.rawNames[i]!, value);
  }
}

/** The headers the client gets, as a list for a writer that checks them (a response node:http parsed). */
export function relayedResponseHeaders(head: RelayedResponseFields): HeaderPair[] {
  const out: HeaderPair[] = [];
  visitRelayedResponseHeaders(head, (name, value) => out.push([name, value]));
  return out;
}
