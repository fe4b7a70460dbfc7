import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { AdminSocketUnsafeError } from '../errors.ts';

/** Where the admin socket is, and who besides Portico's user may use it. */
export interface AdminSocketOptions {
  /** The socket's path; its folder is created (mode 0700, or 0750 with `group`) if missing. */
  readonly path: string;
  /** A group id whose members may connect too: the socket is then 0660 and its folder 0750. */
  readonly group?: number;
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
