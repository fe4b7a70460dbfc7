import { definePorticoError } from '@portico/errors';

export const InvariantViolatedError = definePorticoError(
  'PORTICO_ERR_TESTKIT_INVARIANT_VIOLATED',
  'InvariantViolatedError',
  (invariant: string, detail: string) => `invariant "${invariant}" does not hold: ${detail}`,
);

export const SimulationFailedError = definePorticoError(
  'PORTICO_ERR_TESTKIT_PROPERTY_FAILED',
  'SimulationFailedError',
  (report: string) => report,
);

export const SimulationStuckError = definePorticoError(
  'PORTICO_ERR_TESTKIT_STUCK',
  'SimulationStuckError',
  (what: string) => `${what}; look for a timer that reschedules itself at the same instant, or a promise that waits on something outside the simulation`,
);
