import { Flag } from './Flag.ts';
import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** A DATA frame on `streamId` (a string is sent as latin1 bytes), ending the stream or not. */
export function data(streamId: number, bytes: string | Buffer, endStream: boolean): Buffer {
  return frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
}
