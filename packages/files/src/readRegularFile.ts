import { open } from 'node:fs/promises';
import { openFlags } from './internal/openFlags.ts';
import { refusal, unreadable } from './internal/refusal.ts';
import type { RegularFileRead } from './RegularFileRead.ts';

/**
 * The bytes of `file` if it is a regular file (a symlink to one included) of at most `maxBytes`
 * (with `cut`, of any size, and then its first `maxBytes`); otherwise why not, without reading it. It is opened without blocking and checked on the
 * descriptor that is then read, so a file swapped between the check and the read is not read: a
 * FIFO, a device, a folder or a huge file put where a config or an htpasswd file was never holds
 * a thread of libuv's pool nor fills the memory. At most the size `fstat` gave is read, so a file
 * that grows meanwhile does not pass the bound.
 *
 * @example
 * const read = await readRegularFile('/etc/portico/portico.yaml', 16 * 1024 * 1024);
 * if ('problem' in read) console.error(`portico.yaml: ${read.problem}`);
 */
export async function readRegularFile(file: string, maxBytes: number, { cut = false }: { readonly cut?: boolean } = {}): Promise<RegularFileRead> {
  let handle;
  try {
    handle = await open(file, openFlags);
  } catch (error) {
    return unreadable(error);
  }
  try {
    const stats = await handle.stat();
    const refused = refusal(stats, cut ? Infinity : maxBytes);
    if (refused) return refused;
    const bytes = Buffer.allocUnsafe(Math.min(stats.size, maxBytes));
    let length = 0;
    while (length < bytes.length) {
      const { bytesRead } = await handle.read(bytes, length, bytes.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: bytes.subarray(0, length), stats };
  } catch (error) {
    return unreadable(error);
  } finally {
    await handle.close().catch(() => {});
  }
}
