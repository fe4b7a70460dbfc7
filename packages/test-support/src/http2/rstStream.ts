import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** RST_STREAM on `streamId` with error `code`, CANCEL (0x8) by default: what a client that gave up sends. */
export function rstStream(streamId: number, code = 0x8): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}
