import { createActor } from 'xstate';
import { workerMachine, type WorkerActorRef, type WorkerEmitted, type WorkerExit, type WorkerOptions } from '@portico/worker-actor';
import { Simulation, type ProcessBehaviour } from '../src/index.ts';

export interface SimulatedWorker {
  readonly sim: Simulation;
  readonly actor: WorkerActorRef;
  readonly emitted: (WorkerEmitted & { at: number })[];
  at(type: WorkerEmitted['type']): number | undefined;
  exit(): WorkerExit | undefined;
  exitedAt(): number | undefined;
}

/** A real worker machine on a simulated host whose `backend` command follows `behaviour`. */
export function simulatedWorker(behaviour: ProcessBehaviour, options: Partial<WorkerOptions> = {}, before?: (sim: Simulation) => void): SimulatedWorker {
  const sim = new Simulation({ seed: 1 });
  sim.host.define('backend', behaviour);
  before?.(sim);
  const actor = createActor(workerMachine, {
    input: { options: { app: 'shop', processPath: 'backend', host: sim.host, startupTimeLimit: 5, shutdownTimeLimit: 2, ...options } },
    clock: sim.clock,
  });
  const emitted: (WorkerEmitted & { at: number })[] = [];
  actor.on('*', (event) => {
    emitted.push({ ...event, at: sim.now });
    sim.note(event.type);
  });
  let failure: (Error & { exit?: WorkerExit }) | undefined;
  actor.subscribe({ error: (error) => (failure = error as never) });
  actor.start();
  return {
    sim,
    actor,
    emitted,
    at: (type: WorkerEmitted['type']) => emitted.find((e) => e.type === type)?.at,
    /** How the worker ended: from its failure (unasked exits) or its output (stops). */
    exit: () => failure?.exit ?? actor.getSnapshot().output?.worker,
    /** When the simulated process exited. */
    exitedAt: () => sim.host.processes.at(-1)?.exitedAt,
  };
}
