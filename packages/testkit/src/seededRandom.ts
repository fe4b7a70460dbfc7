/**
 * A small, fast PRNG (mulberry32) returning numbers in [0, 1). The same seed gives the same
 * sequence on every platform, which is what makes a simulated run replayable from its seed.
 * Throws `RangeError` for a seed that is not a 32-bit integer (from -2^31 to 2^32 - 1).
 *
 * @example
 * const random = seededRandom(42);
 * random(); // always 0.6011037519201636 for seed 42
 */
export function seededRandom(seed: number): () => number {
  // The generator keeps 32 bits: anything else would run as another seed without a word (NaN and
  // 2^32 as 0, 1.5 as 1), so a printed seed would not name its run. fast-check's seeds fit.
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) {
    throw new RangeError(`seed takes an integer from -2147483648 to 4294967295 (32 bits, as fast-check's seeds), got ${String(seed)}; for a seed from the environment, check that it is set`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
