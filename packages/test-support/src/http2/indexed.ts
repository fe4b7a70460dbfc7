import { hpackInteger } from './internal/hpackInteger.ts';

/** A reference to table entry `index` (RFC 7541 §6.1): two bytes that may stand for a field of kilobytes. */
export function indexed(index: number): Buffer {
  return Buffer.from(hpackInteger(index, 7, 0x80));
}
