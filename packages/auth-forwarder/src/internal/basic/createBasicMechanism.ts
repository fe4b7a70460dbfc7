import { resolve } from 'node:path';
import type { AuthOutcome, AuthRequest } from '../../Authenticator.ts';
import { fail, type ConfigReader } from '../ConfigReader.ts';
import { deny, quotable, repeated, singleHeader } from '../failures.ts';
import type { Mechanism, MechanismContext } from '../Mechanism.ts';
import { HtpasswdFile } from './HtpasswdFile.ts';
import { verifyPassword } from './PasswordHash.ts';

// SHA-crypt hashes the password about length² bytes (the P sequence); a cap keeps a 16 KiB
// header from costing seconds. bcrypt reads only the first 72 bytes anyway.
const maxPasswordBytes = 1024;
const basicCredentials = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** HTTP Basic (RFC 7617) against an htpasswd file. */
export function createBasicMechanism(reader: ConfigReader, context: MechanismContext): Mechanism {
  const path = resolve(reader.string('htpasswdFile'));
  const realm = reader.string('realm', 'portico');
  if (!quotable.test(realm)) fail('realm', 'must be printable ASCII without `"` or `\\`');
  const challenge = [`Basic realm="${realm}", charset="UTF-8"`];
  const file = new HtpasswdFile(path, context);

  async function authenticate(request: AuthRequest): Promise<AuthOutcome> {
    const header = singleHeader(request.headers, 'authorization');
    if (header === undefined) return deny(401, 'no credentials', challenge);
    if (header === repeated) return deny(401, 'more than one Authorization header', challenge);
    const match = basicCredentials.exec(header);
    if (match === null) return deny(401, 'not Basic credentials', challenge);
    const decoded = Buffer.from(match[1]!, 'base64');
    let pair: string;
    try {
      pair = utf8.decode(decoded);
    } catch {
      return deny(401, 'credentials are not UTF-8', challenge);
    }
    const colon = pair.indexOf(':');
    if (colon <= 0) return deny(401, 'credentials lack "user:password"', challenge);
    const user = pair.slice(0, colon);
    const password = pair.slice(colon + 1);
    if (decoded.length - Buffer.byteLength(user) - 1 > maxPasswordBytes) return deny(401, 'password too long', challenge);
    const snapshot = await file.current();
    const hash = snapshot.users.get(user);
    const matches = await verifyPassword(password, hash ?? snapshot.decoy);
    if (hash === undefined || !matches) return deny(401, 'wrong user or password', challenge);
    return { ok: true, identity: { user, scheme: 'basic' } };
  }

  return {
    authenticate,
    reservedHeaders: [],
    close: async () => file.close(),
  };
}
