import { Flag } from './Flag.ts';
import { frame } from './frame.ts';
import { FrameType } from './FrameType.ts';

/** The acknowledgement of the peer's SETTINGS (RFC 9113 §6.5.3); a server closes a connection that never sends it. */
export function settingsAck(): Buffer {
  return frame(FrameType.SETTINGS, Flag.ACK, 0);
}
