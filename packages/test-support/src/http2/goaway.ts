import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** GOAWAY naming `lastStreamId` with error `code` (NO_ERROR by default): a client's too, which RFC 9113 §6.8 allows. */
export function goaway(lastStreamId: number, code = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(code, 4);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}
