import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** SETTINGS_INITIAL_WINDOW_SIZE (0x4) = `size`: how much DATA the server may send on each stream before a WINDOW_UPDATE for it. */
export function initialWindow(size: number): Buffer {
  const payload = Buffer.alloc(6);
  payload.writeUInt16BE(0x4, 0);
  payload.writeUInt32BE(size, 2);
  return frame(FrameType.SETTINGS, 0, 0, payload);
}
