import { randomFillSync } from 'node:crypto';

/** 21 symbols of 6 random bits each: 126 bits (a UUID v4 carries 122). */
const ID_LENGTH = 21;
/** Ids drawn from one fill of the random pool. */
const IDS_PER_FILL = 256;
/** The URL-safe base64 alphabet (RFC 4648 §5), one symbol per 6 random bits. */
const SYMBOLS = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'latin1');

const pool = Buffer.allocUnsafe(ID_LENGTH * IDS_PER_FILL);
let next = pool.length;

/**
 * A request's correlation id, sent upstream as `x-request-id` and shown on Portico's error pages:
 * 21 URL-safe characters from the system's cryptographic random source. The pool is filled for
 * 256 ids at a time, and each id is read out of it as one string.
 */
export function newRequestId(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    for (let i = 0; i < pool.length; i++) pool[i] = SYMBOLS[pool[i]! & 63]!;
    next = 0;
  }
  const id = pool.toString('latin1', next, next + ID_LENGTH);
  next += ID_LENGTH;
  return id;
}
