import { createHash } from 'node:crypto';

// SHA-crypt as published by Ulrich Drepper ("Unix crypt using SHA-256 and SHA-512", 2008): the
// `$5$` and `$6$` formats of glibc, shadow and `openssl passwd -5/-6`. Step numbers below are the
// specification's.

const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export const shaCryptRounds = { default: 5000, min: 1000, max: 999_999_999 } as const;

interface Variant {
  readonly algorithm: 'sha256' | 'sha512';
  readonly size: number;
  /** Output byte triples, most significant first, in the order the encoding takes them. */
  readonly order: readonly (readonly [number, number, number])[];
  readonly tail: readonly number[];
}

// The final byte shuffle: groups i, i+n, i+2n, rotated one way for SHA-256 and the other for SHA-512.
function triples(count: number, stride: number, rotateRight: boolean): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const group: [number, number, number] = [i, i + stride, i + 2 * stride];
    const turn = i % 3;
    const shift = rotateRight ? (3 - turn) % 3 : turn;
    out.push([group[shift % 3]!, group[(shift + 1) % 3]!, group[(shift + 2) % 3]!]);
  }
  return out;
}

const variants: Record<'5' | '6', Variant> = {
  '5': { algorithm: 'sha256', size: 32, order: triples(10, 10, true), tail: [31, 30] },
  '6': { algorithm: 'sha512', size: 64, order: triples(21, 21, false), tail: [63] },
};

export interface ShaCryptSetting {
  readonly id: '5' | '6';
  readonly rounds: number;
  /** The setting named its rounds, so the output does too. */
  readonly explicitRounds: boolean;
  readonly salt: string;
}

const settingPattern = /^\$([56])\$(?:rounds=([0-9]+)\$)?([^$]{0,})/;

/** Reads `$5$[rounds=N$]salt[$…]` the way glibc does: rounds clamped, salt cut at 16 bytes. */
export function parseShaCryptSetting(setting: string): ShaCryptSetting | undefined {
  const match = settingPattern.exec(setting);
  if (match === null) return undefined;
  const id = match[1] as '5' | '6';
  const requested = match[2] === undefined ? shaCryptRounds.default : Number(match[2]);
  const rounds = Math.min(Math.max(requested, shaCryptRounds.min), shaCryptRounds.max);
  return { id, rounds, explicitRounds: match[2] !== undefined, salt: match[3]!.slice(0, 16) };
}

const yieldEvery = 2000;

/**
 * The full crypt string for `password` under `setting`. Yields to the event loop every few
 * thousand rounds so a verification never stalls other requests for its whole duration.
 */
export async function shaCrypt(password: string, setting: ShaCryptSetting): Promise<string> {
  const { algorithm, size, order, tail } = variants[setting.id];
  const key = Buffer.from(password, 'utf8');
  const salt = Buffer.from(setting.salt, 'utf8');

  // Steps 4–8: digest B = H(key salt key).
  const b = createHash(algorithm).update(key).update(salt).update(key).digest();
  // Steps 1–3, 9–12: digest A.
  const contextA = createHash(algorithm).update(key).update(salt);
  let count = key.length;
  for (; count > size; count -= size) contextA.update(b);
  contextA.update(b.subarray(0, count));
  for (count = key.length; count > 0; count >>= 1) contextA.update((count & 1) !== 0 ? b : key);
  const a = contextA.digest();

  // Steps 13–16: the P sequence, digest DP repeated to the key's length.
  const contextDp = createHash(algorithm);
  for (let i = 0; i < key.length; i++) contextDp.update(key);
  const dp = contextDp.digest();
  const p = Buffer.alloc(key.length);
  for (let offset = 0; offset < key.length; offset += size) dp.copy(p, offset, 0, Math.min(size, key.length - offset));

  // Steps 17–20: the S sequence, digest DS cut to the salt's length.
  const contextDs = createHash(algorithm);
  for (let i = 0; i < 16 + a[0]!; i++) contextDs.update(salt);
  const s = contextDs.digest().subarray(0, salt.length);

  // Step 21: the rounds.
  let c = a;
  for (let round = 0; round < setting.rounds; round++) {
    const odd = (round & 1) !== 0;
    const context = createHash(algorithm).update(odd ? p : c);
    if (round % 3 !== 0) context.update(s);
    if (round % 7 !== 0) context.update(p);
    c = context.update(odd ? c : p).digest();
    if (round % yieldEvery === yieldEvery - 1) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  // Step 22: the output string.
  let out = `$${setting.id}$`;
  if (setting.explicitRounds) out += `rounds=${setting.rounds}$`;
  out += `${setting.salt}$`;
  for (const [high, middle, low] of order) out += encode24(c[high]!, c[middle]!, c[low]!, 4);
  out += tail.length === 2 ? encode24(0, c[tail[0]!]!, c[tail[1]!]!, 3) : encode24(0, 0, c[tail[0]!]!, 2);
  return out;
}

function encode24(high: number, middle: number, low: number, chars: number): string {
  let word = (high << 16) | (middle << 8) | low;
  let out = '';
  for (let i = 0; i < chars; i++) {
    out += alphabet[word & 0x3f];
    word >>= 6;
  }
  return out;
}
