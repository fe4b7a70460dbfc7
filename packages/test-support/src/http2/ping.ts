import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** A PING whose opaque data carries `n`, so that floods send distinct frames. */
export function ping(n: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(n, 4);
  return frame(FrameType.PING, 0, 0, payload);
}
