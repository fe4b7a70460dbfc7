import { HtpasswdEntryError } from '../../errors.ts';
import { parsePasswordHash, type PasswordHash } from './PasswordHash.ts';

/**
 * Reads an htpasswd file: `user:hash` lines, `#` comments and blank lines. A refused or
 * malformed entry fails the whole file with its line number, so a typo never silently locks a
 * user out or lets a plaintext password in.
 */
export function parseHtpasswd(text: string, file: string): Map<string, PasswordHash> {
  const users = new Map<string, PasswordHash>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HtpasswdEntryError(file, index + 1, 'expected "user:hash"');
    const user = line.slice(0, colon);
    if (users.has(user)) throw new HtpasswdEntryError(file, index + 1, `user ${JSON.stringify(user)} is listed twice`);
    const hash = parsePasswordHash(line.slice(colon + 1));
    if (typeof hash === 'string') throw new HtpasswdEntryError(file, index + 1, `user ${JSON.stringify(user)}: ${hash}`);
    users.set(user, hash);
  }
  return users;
}
