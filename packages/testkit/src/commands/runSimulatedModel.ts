import fc from 'fast-check';
import type { SimulatedSystem } from './SimulatedSystem.ts';

/** A check run after every command; throw (e.g. with the testkit's `assert…` functions) to fail. */
export type ModelInvariant<M, R> = (model: M, real: R) => void;

export interface ModelRunOptions<M, R> {
  /** Checked after every command. */
  readonly invariants?: readonly ModelInvariant<M, R>[];
  /** Runs after the last command, e.g. stop the system and assert nothing is left. */
  readonly teardown?: (model: M, real: R) => Promise<void> | void;
  /** Counts executed commands across runs, for reporting how much was explored. */
  readonly stats?: { commands: number };
}

/**
 * Runs `commands` against a model and the simulated system (`fc.asyncModelRun`), checking
 * `invariants` after every command and calling `teardown` at the end. A failure gets the run's
 * trace appended, so the report shows what the system did, not only which command failed.
 */
export async function runSimulatedModel<M extends object, R extends SimulatedSystem>(
  setup: () => { model: M; real: R } | Promise<{ model: M; real: R }>,
  commands: Iterable<fc.AsyncCommand<M, R>>,
  options: ModelRunOptions<M, R> = {},
): Promise<void> {
  let world: { model: M; real: R } | undefined;
  const invariants = options.invariants ?? [];
  const wrapped = [...commands].map((command) => ({
    check: (model: Readonly<M>) => command.check(model),
    run: async (model: M, real: R) => {
      await command.run(model, real);
      if (options.stats) options.stats.commands++;
      for (const invariant of invariants) invariant(model, real);
    },
    toString: () => command.toString(),
  }));
  try {
    await fc.asyncModelRun(async () => (world = await setup()), wrapped);
    if (world) await options.teardown?.(world.model, world.real);
  } catch (error) {
    if (world && error instanceof Error && !error.message.includes('\ntrace')) {
      const trace = world.real.sim.trace.slice(-60);
      error.message += `\ntrace (last ${trace.length} lines):\n  ${trace.join('\n  ')}`;
    }
    throw error;
  }
}
