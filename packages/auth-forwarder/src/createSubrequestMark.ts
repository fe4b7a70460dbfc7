import { randomBytes } from 'node:crypto';

/**
 * A new secret for `AuthDeps.subrequestMark`: 256 random bits, base64url. Make one per Portico and
 * give it to every authenticator of that Portico, in each of its processes, so that any of them
 * knows a forward subrequest of any other arriving back at it.
 */
export function createSubrequestMark(): string {
  return randomBytes(32).toString('base64url');
}
