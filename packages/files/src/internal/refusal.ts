import type { Stats } from 'node:fs';
import { fileKind } from '../fileKind.ts';
import type { RegularFileRead } from '../RegularFileRead.ts';
import { whyUnreadable } from '../whyUnreadable.ts';

/**
 * Why the file opened as `stats` is not read, or undefined if it is: anything but a regular file
 * (a FIFO would block the read until a writer came, `/dev/zero` would be read until memory ran
 * out), or a regular file past `maxBytes` (a log, a dump given the wrong name).
 */
export function refusal(stats: Stats, maxBytes: number): RegularFileRead | undefined {
  if (!stats.isFile()) return { problem: `is ${fileKind(stats)}, not a regular file`, code: 'ENOTREGULAR' };
  if (stats.size > maxBytes) return { problem: `is ${stats.size} bytes, past the ${maxBytes} Portico reads of it`, code: 'ETOOBIG' };
  return undefined;
}

/** An open or a read that failed. */
export function unreadable(error: unknown): RegularFileRead {
  return { problem: whyUnreadable(error), code: (error as NodeJS.ErrnoException).code ?? 'EIO' };
}
