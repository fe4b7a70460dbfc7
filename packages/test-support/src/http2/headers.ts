import { Flag } from './Flag.ts';
import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';
import { headerBlock } from './headerBlock.ts';

/** HEADERS carrying a whole header block (END_HEADERS), ending the stream or not. */
export function headers(streamId: number, fields: ReadonlyArray<readonly [string, string]>, endStream: boolean): Buffer {
  return frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, headerBlock(fields));
}
