import type { Stats } from 'node:fs';
import type { RegularFileRead } from '../RegularFileRead.ts';

/**
 * Why the file opened as `stats` is not read, or undefined if it is: anything but a regular file
 * (a FIFO would block the read until a writer came, `/dev/zero` would be read until memory ran
 * out), or a regular file past `maxBytes` (a log, a dump given the wrong name).
 */
export function refusal(stats: Stats, maxBytes: number): RegularFileRead | undefined {
  if (!stats.isFile()) return { problem: `is ${kindOf(stats)}, not a regular file`, code: 'ENOTREGULAR' };
  if (stats.size > maxBytes) return { problem: `is ${stats.size} bytes, past the ${maxBytes} Portico reads of it`, code: 'ETOOBIG' };
  return undefined;
}

/** An open or a read that failed, with what to check. */
export function unreadable(error: unknown): RegularFileRead {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return { problem: `cannot be read (${code}${hints[code] ?? ''})`, code };
}

const hints: Readonly<Record<string, string>> = {
  EACCES: ': no read permission for the user Portico runs as',
  EPERM: ': no read permission for the user Portico runs as',
  ELOOP: ': a loop of symbolic links',
};

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}
