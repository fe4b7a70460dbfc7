import fc from 'fast-check';

/** The time each time-boxed property run may take when PORTICO_PROPERTY_SECONDS is not set. */
export const DEFAULT_PROPERTY_SECONDS = 1;

/**
 * The seconds a time-boxed property run may take, from PORTICO_PROPERTY_SECONDS: 1 in the default
 * tier (`pnpm test`), 8 in the slow tier (`pnpm test:slow` sets it), any positive number for a
 * longer hunt. A property that sets no `interruptAfterTimeLimit` of its own runs until its
 * `numRuns` or this budget, whichever comes first; running out is not a failure, except inside the
 * first run, which fast-check counts as one (`assertSimulation` then runs that first case to its end).
 */
export function propertySeconds(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const text = env.PORTICO_PROPERTY_SECONDS;
  if (text === undefined || text === '') return DEFAULT_PROPERTY_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`PORTICO_PROPERTY_SECONDS must be a positive number of seconds (how long each time-boxed property run may take), not "${text}"`);
  }
  return seconds;
}

/**
 * A mocha root hook (.mocharc.json `require`): before any test, every fast-check run in the
 * process gets the tier's budget as its default `interruptAfterTimeLimit`. One fast-check is
 * installed in the workspace, so the packages' tests share this setting.
 */
export const mochaHooks = {
  beforeAll(): void {
    fc.configureGlobal({ ...fc.readConfigureGlobal(), interruptAfterTimeLimit: propertySeconds() * 1000, markInterruptAsFailure: false });
  },
};
