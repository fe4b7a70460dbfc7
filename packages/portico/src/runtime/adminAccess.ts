import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { readRegularFileSync } from '@portico/files';
import { dirname, join } from 'node:path';
import type { AdminConfig } from '../config/AdminSchema.ts';
import { AdminAccessUnusableError } from '../errors.ts';

const tokenPattern = /^[A-Za-z0-9._~-]{32,}$/;
/** Far past any token (they are 32 characters and more, one line): a file past it is no token file. */
const maxTokenFileBytes = 64 * 1024;

/**
 * The bearer token of the admin endpoint's TCP port, as configured: the content of `tokenFile`
 * (one line; a final line break is ignored) or the variable `tokenEnv`. `undefined` when neither
 * is set: Portico then makes one at start (`writeGeneratedToken`). Never logged.
 */
export function configuredAdminToken(admin: AdminConfig, env: Readonly<Record<string, string | undefined>>): string | undefined {
  let token: string | undefined;
  let from: string;
  if (admin.tokenFile !== undefined) {
    from = `the file ${admin.tokenFile} (admin.tokenFile)`;
    // Only a regular file, of a token's size: the config check said what the path was, but a file
    // swapped since (a FIFO, a device) must not hold the start (readRegularFileSync).
    const read = readRegularFileSync(admin.tokenFile, maxTokenFileBytes);
    if ('problem' in read) throw new AdminAccessUnusableError(`${from} ${read.problem}`);
    token = read.bytes.toString('utf8').replace(/\r?\n$/, '');
  } else if (admin.tokenEnv !== undefined) {
    from = `the environment variable ${admin.tokenEnv} (admin.tokenEnv)`;
    token = env[admin.tokenEnv];
    if (token === undefined) throw new AdminAccessUnusableError(`${from} is not set`);
  } else {
    return undefined;
  }
  if (!tokenPattern.test(token)) {
    // The message never shows the token, only what is wrong with it.
    throw new AdminAccessUnusableError(`the token in ${from} must be at least 32 characters of letters, digits and -._~ (it has ${token.length})`);
  }
  return token;
}

/** A token for a config that names none: 32 random bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Writes a token Portico made to `admin-token` beside the admin socket, readable by Portico's
 * user alone (the folder is 0700, or 0750 with `socketGroup`, and the file 0600), so the person
 * who started it can give it to the status page or to `PORTICO_ADMIN_TOKEN`. Returns the path.
 */
export function writeGeneratedTokenAfterBind(admin: AdminConfig, token: string): string {
  const file = join(dirname(admin.socket), 'admin-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** The group id of `admin.socketGroup`: a number as given, a name looked up in /etc/group. */
export function adminSocketGroup(admin: AdminConfig): number | undefined {
  const group = admin.socketGroup;
  if (group === undefined || typeof group === 'number') return group;
  let text: string;
  try {
    text = readFileSync('/etc/group', 'utf8');
  } catch (error) {
    throw new AdminAccessUnusableError(`cannot read /etc/group to find the group "${group}" (admin.socketGroup): ${(error as NodeJS.ErrnoException).code}; give its number instead`);
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new AdminAccessUnusableError(`there is no group "${group}" (admin.socketGroup) in /etc/group; give an existing group's name or number`);
}
