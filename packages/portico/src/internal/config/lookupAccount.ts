import { readFileSync } from 'node:fs';

/** The uid and gid an app's backends run as, from its `user` and `group`. */
export interface Account {
  readonly uid: number;
  readonly gid: number;
}

function entries(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(':'));
  } catch {
    return [];
  }
}

/** A name or a number from a passwd- or group-style file: its id, or undefined when unknown. */
function idOf(file: string, nameOrId: string): { id: number; gid?: number } | undefined {
  const found = entries(file).find(([name, , id]) => name === nameOrId || id === nameOrId);
  if (found) return { id: Number(found[2]), ...(found[3] === undefined ? {} : { gid: Number(found[3]) }) };
  return /^\d+$/.test(nameOrId) ? { id: Number(nameOrId) } : undefined;
}

/**
 * Resolves `user` (and `group`, default the user's primary group) the way the system's files say
 * (/etc/passwd, /etc/group; a number is taken as an id). A string says what is unknown.
 */
export function lookupAccount(user: string, group: string | undefined): Account | string {
  const found = idOf('/etc/passwd', user);
  if (!found) return `there is no user ${JSON.stringify(user)} on this system (/etc/passwd)`;
  if (group === undefined) {
    if (found.gid === undefined) return `user ${user} is a number with no entry in /etc/passwd: name its group too`;
    return { uid: found.id, gid: found.gid };
  }
  const groupFound = idOf('/etc/group', group);
  if (!groupFound) return `there is no group ${JSON.stringify(group)} on this system (/etc/group)`;
  return { uid: found.id, gid: groupFound.id };
}
