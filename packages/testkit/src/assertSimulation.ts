import fc from 'fast-check';
import { InvariantViolatedError, SimulationFailedError } from './errors.ts';
import { collectSimulations } from './internal/simulationsMade.ts';
import type { Simulation } from './Simulation.ts';

/**
 * fast-check parameters that replay one run, read from the environment:
 * `PORTICO_TESTKIT_SEED` and `PORTICO_TESTKIT_PATH` (both printed by a failing run).
 * Empty when they are not set; a value that cannot be the printed one throws `RangeError`.
 */
export function replayParameters(env: Readonly<Record<string, string | undefined>> = process.env): { seed?: number; path?: string; endOnFailure?: boolean } {
  const seed = env.PORTICO_TESTKIT_SEED;
  const path = env.PORTICO_TESTKIT_PATH;
  // A value that cannot name the printed run must not run another one without a word (NaN was
  // taken as seed 0, and a path without its seed was ignored).
  if (seed === undefined || seed === '') {
    if (path) throw new RangeError(`PORTICO_TESTKIT_PATH is set (${path}) but PORTICO_TESTKIT_SEED is not: set both, as the failing run printed them`);
    return {};
  }
  if (!/^-?\d+$/.test(seed)) throw new RangeError(`PORTICO_TESTKIT_SEED must be the integer a failing run printed, got ${JSON.stringify(seed)}`);
  if (path && !/^\d+(:\d+)*$/.test(path)) throw new RangeError(`PORTICO_TESTKIT_PATH must be the path a failing run printed (numbers joined by ':'), got ${JSON.stringify(path)}`);
  return { seed: Number(seed), ...(path ? { path } : {}), endOnFailure: true };
}

/** The report of a failed run: seed, path, how to replay, the shrunk counterexample, the cause. */
export function formatFailure(details: fc.RunDetails<unknown>): string {
  const lines = [`a simulated run failed after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s)`, `  seed: ${details.seed}`];
  if (details.counterexamplePath !== null) lines.push(`  path: ${details.counterexamplePath}`);
  lines.push(
    `replay only this run: PORTICO_TESTKIT_SEED=${details.seed}${details.counterexamplePath !== null ? ` PORTICO_TESTKIT_PATH='${details.counterexamplePath}'` : ''} <your test command>`,
    `  (or pass { seed: ${details.seed}${details.counterexamplePath !== null ? `, path: '${details.counterexamplePath}'` : ''}, endOnFailure: true } as fast-check parameters)`,
  );
  const replayPath = commandsReplayPath(details.counterexample);
  if (replayPath !== undefined) {
    // Without it fast-check walks the path to another case: the replay passed, or threw
    // "Unable to replay, got wrong path".
    lines.push(`  and give fc.commands its replayPath: fc.commands([...], { replayPath: '${replayPath}' }) (a counterexample of commands replays only with it)`);
  }
  if (details.counterexample) {
    // A time limit that runs out once the failure is found stops the shrinking, not the report:
    // on a loaded machine the counterexample may be bigger than the smallest one.
    lines.push(
      details.interrupted
        ? `counterexample (partly shrunk: the time limit ran out after ${details.numShrinks} shrink(s); replay with { seed, path } and a longer limit to shrink it further):`
        : 'counterexample (shrunk):',
    );
    for (const value of details.counterexample as unknown[]) lines.push(indent(fc.stringify(value)));
  }
  const error = details.errorInstance;
  if (error !== undefined) lines.push('cause:', indent(error instanceof Error ? error.message : String(error)));
  if (details.interrupted && !details.counterexample) lines.push(`(interrupted by the time limit after ${details.numRuns} runs)`);
  return lines.join('\n');
}

/** The replayPath fast-check prints in a counterexample of `fc.commands`, which a replay needs too. */
function commandsReplayPath(counterexample: unknown): string | undefined {
  if (!Array.isArray(counterexample)) return undefined;
  for (const value of counterexample as unknown[]) {
    const found = /\/\*replayPath="([^"]*)"\*\//.exec(fc.stringify(value));
    if (found) return found[1];
  }
  return undefined;
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

/** The longest delay a timer takes (ms): no time limit, where one must be given to replace a default. */
const longestTimer = 2 ** 31 - 1;

/**
 * `fc.check` for simulations: runs the property (with `replayParameters()` from the
 * environment on top of `params`), and on failure throws `SimulationFailedError` whose message is
 * `formatFailure`'s report. Resolves to fast-check's run details (`numRuns`, `interrupted`, …).
 *
 * @example
 * const details = await assertSimulation(fc.asyncProperty(schedules, run), { interruptAfterTimeLimit: 8_000 });
 * console.log(`explored ${details.numRuns} runs`);
 */
export async function assertSimulation<Ts>(property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>, params: fc.Parameters<Ts> = {}): Promise<fc.RunDetails<Ts>> {
  const check = (more: fc.Parameters<Ts>) => fc.check(property as fc.IAsyncProperty<Ts>, { ...params, ...replayParameters(), ...more } as fc.Parameters<Ts>);
  let details = await check({});
  // fast-check counts a time limit that ran out inside the first run as a failure. A time box
  // bounds how many runs are explored, never whether one is: on a loaded machine the first case
  // is run again (same seed), to its end.
  if (details.failed && details.interrupted && details.numRuns === 0 && details.counterexample === null) {
    details = await check({ seed: details.seed, numRuns: 1, interruptAfterTimeLimit: longestTimer });
  }
  if (details.failed) throw new SimulationFailedError(formatFailure(details as fc.RunDetails<unknown>) + (await replayedTrace(details, check)));
  return details;
}

/** Trace lines a report prints of one world: its last ones, where the failure is. */
const TRACE_LINES = 60;

/**
 * What the failing run's worlds did, for a failure whose cause carries no trace (the property's
 * own assertion, an exception; the testkit's checks print theirs): the run is replayed once from
 * its seed and path, and the trace of each Simulation it makes is added to the report. A run that
 * passes when replayed is not deterministic, and the report says so.
 */
async function replayedTrace<Ts>(details: fc.RunDetails<Ts>, check: (more: fc.Parameters<Ts>) => fc.RunDetails<Ts> | Promise<fc.RunDetails<Ts>>): Promise<string> {
  if (details.errorInstance instanceof InvariantViolatedError || details.counterexamplePath === null) return '';
  // A run of commands replays only with its replayPath given to fc.commands, in the property itself.
  if (commandsReplayPath(details.counterexample) !== undefined) return '';
  let replayed: { readonly result: fc.RunDetails<Ts>; readonly made: readonly Simulation[] };
  try {
    replayed = await collectSimulations(() => check({ seed: details.seed, path: details.counterexamplePath!, endOnFailure: true, interruptAfterTimeLimit: longestTimer }));
  } catch (error) {
    // fast-check cannot always walk a path back (fc.commands needs its replayPath too): the
    // failure above stands, and must not be replaced by the replay's own error.
    return `\nthe failing run could not be replayed for its trace: ${error instanceof Error ? error.message : String(error)}`;
  }
  const { result, made } = replayed;
  if (!result.failed) {
    return '\nthe failing run passed when replayed (same seed and path): the property depends on something outside the simulation (Math.random, a real timer, I/O, state kept between runs), so it cannot be replayed as printed';
  }
  const worlds = made.filter((simulation) => simulation.trace.length > 0);
  return worlds
    .map((simulation, i) => {
      const shown = simulation.trace.slice(-TRACE_LINES);
      const which = worlds.length > 1 ? ` (simulation ${i + 1} of ${worlds.length}, seed ${simulation.seed})` : '';
      const part = simulation.trace.length > shown.length ? `, last ${shown.length} of ${simulation.trace.length} lines` : '';
      return `\ntrace of the failing run, replayed${which}${part}:\n${indent(shown.join('\n'))}`;
    })
    .join('');
}
