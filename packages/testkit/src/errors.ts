import { definePorticoError } from '@portico/errors';

export const InvariantViolated = definePorticoError(
  'PORTICO_ERR_TESTKIT_INVARIANT_VIOLATED',
  'InvariantViolatedError',
  (invariant: string, detail: string) => `invariant "${invariant}" does not hold: ${detail}`,
);

export const SimulationFailed = definePorticoError(
  'PORTICO_ERR_TESTKIT_PROPERTY_FAILED',
  'SimulationFailedError',
  (report: string) => report,
);

export const SimulationStuck = definePorticoError(
  'PORTICO_ERR_TESTKIT_STUCK',
  'SimulationStuckError',
  (what: string) => `${what}; look for a timer that reschedules itself at the same instant, or a promise that waits on something outside the simulation`,
);
