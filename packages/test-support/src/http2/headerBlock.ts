import { hpackString } from './internal/hpackString.ts';

/**
 * A header block of literal fields without indexing (RFC 7541 §6.2.2), names and values as given,
 * byte for byte: what node:http2's client refuses to send (CR/LF in values, upper-case names,
 * connection-specific fields) goes on the wire as written.
 */
export function headerBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}
