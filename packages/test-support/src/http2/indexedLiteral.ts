import { hpackString } from './internal/hpackString.ts';

/** A literal field with incremental indexing (RFC 7541 §6.2.1): it enters the dynamic table, as index 62 while it is the newest (an HPACK bomb's seed). */
export function indexedLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40]), hpackString(name), hpackString(value)]);
}
