import { InvalidHeadFieldError } from '../errors.ts';
import { isToken, TARGET } from '../internal/http1/charTables.ts';
import { appendFields, framingField } from '../internal/http1/checkOutboundFields.ts';
import type { BodyFraming } from './RequestHead.ts';

/** A request head to write upstream: the caller's final header list plus the framing to announce. */
export interface OutboundRequestHead {
  readonly method: string;
  /** Origin-form (`/path?query`) or `*`. */
  readonly target: string;
  /** Final headers, hop-by-hop and spoofable ones already removed; never Content-Length or Transfer-Encoding. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Decides the one framing header written: `content-length: N`, `transfer-encoding: chunked`, or none. */
  readonly body: BodyFraming;
}

/**
 * Writes a re-framed HTTP/1.1 request head as latin1 bytes. Every method, target, name and value
 * is checked first (values against `/^[\t\x20-\x7e\x80-\xff]*$/`), so nothing a client or an
 * identity provider supplied can inject a line; a bad one throws `InvalidHeadFieldError`.
 *
 * @example
 * serializeRequestHead({ method: 'POST', target: '/upload', headers: [['host', 'a']],
 *   body: { kind: 'chunked' } });
 * // POST /upload HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n
 */
export function serializeRequestHead(head: OutboundRequestHead): Buffer {
  if (!isToken(head.method)) throw new InvalidHeadFieldError(`method ${JSON.stringify(head.method)}`, 'is not a token');
  checkTarget(head.target);
  const out = appendFields(`${head.method} ${head.target} HTTP/1.1\r\n`, head.headers);
  return Buffer.from(`${out}${framingField(head.body)}\r\n`, 'latin1');
}

function checkTarget(target: string): void {
  if (target === '*') return;
  if (target.charCodeAt(0) !== 0x2f || target.charCodeAt(1) === 0x2f) {
    throw new InvalidHeadFieldError(`request-target ${JSON.stringify(target)}`, 'must start with a single "/"');
  }
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c > 0xff || TARGET[c] !== 1) {
      throw new InvalidHeadFieldError(`request-target ${JSON.stringify(target)}`, 'contains a byte not allowed in a URI');
    }
  }
}
