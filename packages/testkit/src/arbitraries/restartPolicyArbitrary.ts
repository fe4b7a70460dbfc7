import type { Backoff, Strategy } from '@portico/supervisor';
import fc from 'fast-check';

/** The restart part of `SupervisorOptions`: spread it into `createSupervisor`. */
export interface RestartPolicy {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
  readonly backoff?: Backoff;
}

export interface RestartPolicyConstraints {
  readonly strategies?: readonly Strategy[];
  /** Default 5. */
  readonly maxIntensity?: number;
  /** Seconds. Default 30. */
  readonly maxPeriod?: number;
  /**
   * Allow jittered backoff. Jitter draws from the supervisor's `random` option: pass the
   * simulation's (`random: sim.random`) or runs will not replay. Default false.
   */
  readonly jitter?: boolean;
  /**
   * Allow a backoff. False gives OTP's immediate restarts only, for a model of OTP's rules,
   * which have no delays. Default true.
   */
  readonly backoff?: boolean;
}

/** Restart policies: strategy, intensity, period, and no backoff or an exponential one. */
export function restartPolicyArbitrary(constraints: RestartPolicyConstraints = {}): fc.Arbitrary<RestartPolicy> {
  const strategies = constraints.strategies ?? ['one_for_one', 'one_for_all', 'rest_for_one'];
  return fc.record(
    {
      strategy: fc.constantFrom(...strategies),
      intensity: fc.integer({ min: 0, max: constraints.maxIntensity ?? 5 }),
      period: fc.integer({ min: 1, max: constraints.maxPeriod ?? 30 }),
      ...(constraints.backoff === false ? {} : { backoff: backoffArbitrary(constraints.jitter ?? false) }),
    },
    { requiredKeys: ['strategy', 'intensity', 'period'] },
  );
}

/** Exponential backoffs in seconds (min ≤ max), with jitter 0 unless `jitter`. */
export function backoffArbitrary(jitter = false): fc.Arbitrary<Backoff> {
  return fc
    .record({
      min: fc.constantFrom(0, 0.05, 0.1, 0.5, 1),
      max: fc.constantFrom(0.1, 1, 2, 5),
      factor: fc.constantFrom(1, 1.5, 2),
      jitter: jitter ? fc.constantFrom(0, 0.1, 0.2) : fc.constant(0),
      resetAfter: fc.constantFrom(0.5, 5, 30),
    })
    .map((b) => ({ ...b, max: Math.max(b.min, b.max) }));
}

/** A `WorkerPool`'s restart settings, in ANCM's terms. */
export interface PoolPolicy {
  readonly processesPerApplication: number;
  readonly rapidFailsPerMinute: number;
  readonly backoff: Backoff;
}

/** Pool settings: 1–3 processes, 0–6 rapid fails per minute, a jitter-free backoff. */
export function poolPolicyArbitrary(constraints: { maxProcesses?: number; maxRapidFails?: number } = {}): fc.Arbitrary<PoolPolicy> {
  return fc.record({
    processesPerApplication: fc.integer({ min: 1, max: constraints.maxProcesses ?? 3 }),
    rapidFailsPerMinute: fc.integer({ min: 0, max: constraints.maxRapidFails ?? 6 }),
    backoff: backoffArbitrary(false),
  });
}
