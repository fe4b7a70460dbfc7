/**
 * A small, fast PRNG (mulberry32) returning numbers in [0, 1). The same seed gives the same
 * sequence on every platform, which is what makes a simulated run replayable from its seed.
 *
 * @example
 * const random = seededRandom(42);
 * random(); // always 0.6011037519201636 for seed 42
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
