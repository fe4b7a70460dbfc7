import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { dirname } from 'node:path';
import { AdminSocketUnsafeError, ListenFailedError } from '../../errors.ts';
import { checkAdminSocketPath, type AdminSocketOptions } from '../checkAdminSocketPath.ts';

/**
 * Binds `server` on a unix socket that only Portico's user (and `group`) can connect to. The
 * socket is made in a folder that no one else may enter or write, so the moment between bind
 * and chmod (when the socket has the umask's mode) gives no one a way in, and no one else can
 * put a socket of theirs at the path. A stale socket left by a Portico that died is removed; one
 * that answers belongs to a Portico still running, and is an error.
 */
export async function bindAdminSocket(server: http.Server, options: AdminSocketOptions): Promise<void> {
  const folder = dirname(options.path);
  const grouped = options.group !== undefined;
  checkAdminSocketPath(options);
  try {
    mkdirSync(folder, { mode: grouped ? 0o750 : 0o700 });
    if (grouped) chownSync(folder, -1, options.group!);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new AdminSocketUnsafeError(folder, `it cannot be made: ${(error as NodeJS.ErrnoException).code}`);
  }
  checkAdminSocketPath(options);
  await removeStale(options.path);
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(new ListenFailedError(`${options.path} (admin)`, error.code ?? error.message, error));
    server.once('error', failed);
    server.listen(options.path, () => {
      server.off('error', failed);
      resolve();
    });
  });
  chmodSync(options.path, grouped ? 0o660 : 0o600);
  if (grouped) chownSync(options.path, -1, options.group!);
}

async function removeStale(path: string): Promise<void> {
  try {
    lstatSync(path);
  } catch {
    return;
  }
  const answers = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answers) throw new ListenFailedError(`${path} (admin)`, 'EADDRINUSE');
  unlinkSync(path);
}
