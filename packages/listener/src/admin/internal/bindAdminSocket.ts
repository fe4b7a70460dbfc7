import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { dirname } from 'node:path';
import { AdminSocketUnsafeError, ListenFailedError } from '../../errors.ts';

/** Where the admin socket is, and who besides Portico's user may use it. */
export interface AdminSocketOptions {
  /** The socket's path; its folder is created (mode 0700, or 0750 with `group`) if missing. */
  readonly path: string;
  /** A group id whose members may connect too: the socket is then 0660 and its folder 0750. */
  readonly group?: number;
}

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

/**
 * What can be said of an admin socket's path without changing anything: its folder, when it
 * exists, must belong to Portico's user and let no one else in (nor write, with a group), and
 * nothing but a socket may be at the path. A folder is never chmod-ed: one that is too open is
 * refused, so that a path like `/tmp/admin.sock` cannot make Portico change `/tmp`.
 */
export function checkAdminSocketPath(options: AdminSocketOptions): void {
  const folder = dirname(options.path);
  let info;
  try {
    info = lstatSync(folder);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  if (!info.isDirectory()) throw new AdminSocketUnsafeError(folder, 'it is not a folder');
  if (uid !== undefined && info.uid !== uid) throw new AdminSocketUnsafeError(folder, `it belongs to uid ${info.uid}, not to Portico's user (${uid})`);
  const tooOpen = options.group === undefined ? 0o077 : 0o027;
  if ((info.mode & tooOpen) !== 0) {
    throw new AdminSocketUnsafeError(folder, `its mode ${(info.mode & 0o777).toString(8)} lets others in; Portico makes the folder itself (${options.group === undefined ? '0700' : '0750'}) when it does not exist`);
  }
  let at;
  try {
    at = lstatSync(options.path);
  } catch {
    return;
  }
  if (!at.isSocket()) throw new AdminSocketUnsafeError(options.path, 'something that is not a socket is there');
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
