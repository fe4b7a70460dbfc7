import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** WINDOW_UPDATE granting `increment` more bytes on `streamId` (0: the connection). */
export function windowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}
