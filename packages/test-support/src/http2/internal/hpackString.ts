import { hpackInteger } from './hpackInteger.ts';

/** A string literal, byte for byte (latin1) and never Huffman-coded, so a test controls every byte sent (RFC 7541 §5.2). */
export function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(hpackInteger(bytes.length, 7, 0)), bytes]);
}
