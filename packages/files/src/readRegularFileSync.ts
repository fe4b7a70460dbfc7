import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { openFlags } from './internal/openFlags.ts';
import { refusal, unreadable } from './internal/refusal.ts';
import type { RegularFileRead } from './RegularFileRead.ts';

/**
 * `readRegularFile` for a caller that must have the file now (an authenticator built with its
 * config): the same checks, so a FIFO does not block the event loop for good, as `readFileSync`
 * did, nor `/dev/zero` fill the memory.
 */
export function readRegularFileSync(file: string, maxBytes: number): RegularFileRead {
  let fd: number;
  try {
    fd = openSync(file, openFlags);
  } catch (error) {
    return unreadable(error);
  }
  try {
    const stats = fstatSync(fd);
    const refused = refusal(stats, maxBytes);
    if (refused) return refused;
    const bytes = Buffer.allocUnsafe(stats.size);
    let length = 0;
    while (length < bytes.length) {
      const bytesRead = readSync(fd, bytes, length, bytes.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: bytes.subarray(0, length), stats };
  } catch (error) {
    return unreadable(error);
  } finally {
    try {
      closeSync(fd);
    } catch {}
  }
}
