import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** An empty SETTINGS frame: the defaults, as a client's first frame after the preface. */
export function settings(): Buffer {
  return frame(FrameType.SETTINGS, 0, 0);
}
