import { randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { parseShaCryptSetting, shaCrypt, type ShaCryptSetting } from './shaCrypt.ts';

/** One accepted htpasswd hash, ready to verify against. */
export type PasswordHash =
  | { readonly kind: 'bcrypt'; readonly hash: string; readonly cost: number }
  | { readonly kind: 'sha-crypt'; readonly hash: string; readonly setting: ShaCryptSetting };

export const limits = { bcryptCost: 14, shaCryptRounds: 1_000_000 } as const;

const bcryptPattern = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const shaPattern = /^\$([56])\$(?:rounds=([1-9][0-9]*)\$)?[^$:]{0,16}\$[./0-9A-Za-z]+$/;

/** Parses a stored hash; a string is the refusal, worded for an operator (never echoing the hash). */
export function parsePasswordHash(hash: string): PasswordHash | string {
  const bcryptMatch = bcryptPattern.exec(hash);
  if (bcryptMatch !== null) {
    const cost = Number(bcryptMatch[1]);
    if (cost < 4 || cost > limits.bcryptCost) return `bcrypt cost ${cost} is outside 4–${limits.bcryptCost}`;
    return { kind: 'bcrypt', hash, cost };
  }
  const shaMatch = shaPattern.exec(hash);
  if (shaMatch !== null) {
    const rounds = shaMatch[2] === undefined ? undefined : Number(shaMatch[2]);
    if (rounds !== undefined && (rounds < 1000 || rounds > limits.shaCryptRounds)) {
      return `SHA-crypt rounds ${rounds} are outside 1000–${limits.shaCryptRounds}`;
    }
    const checksum = hash.slice(hash.lastIndexOf('$') + 1);
    if (checksum.length !== (shaMatch[1] === '5' ? 43 : 86)) return 'the SHA-crypt checksum has the wrong length';
    return { kind: 'sha-crypt', hash, setting: parseShaCryptSetting(hash)! };
  }
  if (hash.startsWith('$apr1$') || hash.startsWith('$1$')) return 'MD5-crypt hashes are refused (fast to brute-force)';
  if (hash.startsWith('{SHA}')) return 'unsalted SHA-1 hashes are refused';
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'crypt(3) DES hashes are refused (they use 8 characters of the password)';
  if (hash.startsWith('$2') || hash.startsWith('$5$') || hash.startsWith('$6$')) return 'the hash is malformed';
  return 'the password is plaintext or in an unknown format';
}

/** Constant-time check of a password against a hash; the cost is the same whether or not it matches. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  if (hash.kind === 'bcrypt') return bcrypt.compare(password, hash.hash);
  const computed = Buffer.from(await shaCrypt(password, hash.setting), 'latin1');
  const stored = Buffer.from(hash.hash, 'latin1');
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

/**
 * A hash no password matches, costing what `model` costs: unknown users are checked against it,
 * so response time does not tell a prober which user names exist.
 */
export function decoyHash(model: PasswordHash | undefined): PasswordHash {
  if (model?.kind === 'sha-crypt') {
    const salt = randomBytes(12).toString('base64').replace(/[+/=]/g, '.').slice(0, 16);
    const setting: ShaCryptSetting = { ...model.setting, salt };
    return { kind: 'sha-crypt', hash: '*', setting };
  }
  const cost = model?.cost ?? 10;
  return { kind: 'bcrypt', hash: bcrypt.genSaltSync(cost) + '.'.repeat(31), cost };
}
