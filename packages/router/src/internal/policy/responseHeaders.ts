import { normaliseHeaderName } from '@portico/auth-forwarder';
import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';
import { isHopByHop } from './hopByHop.ts';

/** What the response rules read of a backend's response head, whichever parser read it. */
export type RelayedResponseFields = Pick<ResponseHead, 'headers' | 'rawNames' | 'connectionTokens'>;

/**
 * Whether a response header carries what Portico sends only to a backend: the pairing token
 * (`x-portico-token`, `ms-aspnetcore-token`) and the identity (`x-portico-user`, `-auth`,
 * `-claims`, `-client-cert`, `ms-aspnetcore-clientcert`), in any spelling a backend may fold. A
 * backend that reflects request headers (a debug endpoint, an echoed TRACE) would otherwise hand
 * them to the client (issue 15). Names come lower-cased from the parser; most start with neither
 * `x` nor `m` and are settled by one comparison.
 */
function isPorticoSecret(name: string): boolean {
  const first = name.charCodeAt(0);
  if (first !== 0x78 && first !== 0x6d) return false;
  const folded = normaliseHeaderName(name);
  return folded.startsWith('x-portico-') || folded.startsWith('ms-aspnetcore-');
}

/** No headers hidden beyond Portico's own: shared, so a request without an authenticator allocates none. */
export const NO_HIDDEN_HEADERS: readonly string[] = [];

/**
 * Whether `name` is one of an app's `hidden` headers (what its authenticator forwards to the
 * backend: forward-auth's `copyHeaders`, which may carry identity), in any spelling a backend may
 * fold (`X_Auth_Email` for `x-auth-email`).
 */
function isHidden(name: string, hidden: readonly string[]): boolean {
  const folded = normaliseHeaderName(name);
  for (const h of hidden) if (folded === normaliseHeaderName(h)) return true;
  return false;
}

/**
 * Visits a backend response's headers as the client gets them: hop-by-hop and framing headers,
 * every header the backend named in Connection, Portico's token and identity headers
 * (`isPorticoSecret`) and the app's `hidden` headers (the dispatch's `hiddenResponseHeaders`)
 * removed; all others, every Set-Cookie line included, kept in order with their spelling. The
 * engine then adds its framing and, on HTTP/1.1, what it says about the client connection.
 */
export function visitRelayedResponseHeaders(head: RelayedResponseFields, hidden: readonly string[], visit: (name: string, value: string) => void): void {
  for (let i = 0; i < head.headers.length; i++) if (isRelayedResponseHeader(head, i, hidden)) visit(head.rawNames[i]!, head.headers[i]![1]);
}

/**
 * Whether the response's `i`th header reaches the client (`visitRelayedResponseHeaders`' rule),
 * for a writer that walks the headers itself rather than through a callback made per response.
 */
export function isRelayedResponseHeader(head: RelayedResponseFields, i: number, hidden: readonly string[]): boolean {
  const name = head.headers[i]![0];
  const named = head.connectionTokens;
  if (isHopByHop(name) || (named.length > 0 && named.includes(name)) || isPorticoSecret(name)) return false;
  return hidden.length === 0 || !isHidden(name, hidden);
}

/** The headers the client gets, as a list for a writer that checks them (a response node:http parsed). */
export function relayedResponseHeaders(head: RelayedResponseFields, hidden: readonly string[]): HeaderPair[] {
  const out: HeaderPair[] = [];
  visitRelayedResponseHeaders(head, hidden, (name, value) => out.push([name, value]));
  return out;
}

/**
 * Whether the head a client gets would say exactly what the backend's says, so the backend's own
 * bytes can go as they are (the strict parser accepted every one of them): an HTTP/1.1 head that
 * Portico adds nothing to (`connection` undefined: an HTTP/1.1 client kept alive), whose every field
 * reaches the client, and whose framing the client's head announces the same way: one
 * Content-Length line holding the very number (no leading zero, no list), or no framing line for
 * a head that announces none. Any other head is rebuilt (`clientResponseHead`).
 */
export function relaysAsSent(res: ResponseHead, framing: OutboundResponseFraming, hidden: readonly string[]): boolean {
  if (res.version !== '1.1') return false;
  const announcesLength = framing.kind === 'length' || framing.kind === 'advertised-length';
  if (!announcesLength && framing.kind !== 'none') return false;
  let lengthLines = 0;
  for (let i = 0; i < res.headers.length; i++) {
    const [name, value] = res.headers[i]!;
    if (name === 'content-length') {
      if (++lengthLines > 1 || !isCanonicalLength(value)) return false;
    } else if (!isRelayedResponseHeader(res, i, hidden)) {
      return false;
    }
  }
  return lengthLines === (announcesLength ? 1 : 0);
}

/** Digits only, no leading zero: the number as Portico itself would write it. */
function isCanonicalLength(value: string): boolean {
  if (value.length === 0 || (value.length > 1 && value.charCodeAt(0) === 0x30)) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
