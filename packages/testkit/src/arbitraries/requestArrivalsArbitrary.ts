import fc from 'fast-check';
import { formatTime } from '../Simulation.ts';

/** `count` requests arriving together at simulated time `at` (ms). */
export interface RequestBurst {
  readonly at: number;
  readonly count: number;
}

export interface RequestArrivalConstraints {
  /** Default 60 000. */
  readonly horizonMs?: number;
  /** Default 10. */
  readonly maxBursts?: number;
  /** Default 20. */
  readonly maxPerBurst?: number;
}

/**
 * Request arrival patterns: bursts of requests at random times, in time order. Prints as
 * `t=120ms 3 requests` per line.
 */
export function requestArrivalsArbitrary(constraints: RequestArrivalConstraints = {}): fc.Arbitrary<readonly RequestBurst[]> {
  const { horizonMs = 60_000, maxBursts = 10, maxPerBurst = 20 } = constraints;
  const burst = fc.record({ at: fc.integer({ min: 0, max: Math.max(0, horizonMs - 1) }), count: fc.integer({ min: 1, max: maxPerBurst }) });
  return fc.array(burst, { maxLength: maxBursts }).map((bursts) => {
    const sorted = [...bursts].sort((a, b) => a.at - b.at);
    const lines = sorted.map((b) => `  t=${formatTime(b.at)} ${b.count} request${b.count === 1 ? '' : 's'}`);
    Object.defineProperty(sorted, fc.toStringMethod, { value: () => `[\n${lines.join('\n')}\n]`, enumerable: false });
    return sorted;
  });
}
