import type { Simulation } from '../Simulation.ts';

/** Where each Simulation made now is kept, while `collectSimulations` runs; none otherwise. */
let collecting: Simulation[] | undefined;

/** Called by every Simulation as it is made. */
export function noteSimulation(simulation: Simulation): void {
  collecting?.push(simulation);
}

/**
 * Runs `run` and returns what it returned with the Simulations made meanwhile, in order: the
 * worlds of a replayed run, whose traces a failure report prints. A property runs alone while
 * fast-check replays it, so nothing else makes one meanwhile.
 */
export async function collectSimulations<T>(run: () => T | Promise<T>): Promise<{ readonly result: T; readonly made: readonly Simulation[] }> {
  const outer = collecting;
  const made: Simulation[] = [];
  collecting = made;
  try {
    return { result: await run(), made };
  } finally {
    collecting = outer;
  }
}
