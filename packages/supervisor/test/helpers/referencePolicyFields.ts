import fc from 'fast-check';

/**
 * The arbitraries of a `ReferencePolicy`'s fields, for `fc.record` beside a supervisor kind's own:
 * intensities from never restarting to 6, periods of 1 to 30 s, and either OTP's immediate restarts
 * or a backoff of 0.5 to 8 s whose failures are forgotten after 1 to 20 s up.
 */
export const referencePolicyFields = {
  intensity: fc.integer({ min: 0, max: 6 }),
  period: fc.integer({ min: 1, max: 30 }),
  backoff: fc.oneof(
    fc.constant({ min: 0, max: 0, resetAfter: 0 }),
    fc.record({ min: fc.constantFrom(0.5, 1, 2), max: fc.constantFrom(2, 4, 8), resetAfter: fc.constantFrom(1, 5, 20) }),
  ),
};
