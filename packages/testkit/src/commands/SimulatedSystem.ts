import type { Fault } from '../Fault.ts';
import type { Simulation } from '../Simulation.ts';

type WithoutTime<T> = T extends unknown ? Omit<T, 'at'> : never;

/** A fault to apply now (a `Fault` without its time). */
export type FaultAction = WithoutTime<Fault>;

/**
 * The "real system" side of a model-based run: the simulation, and how a fault reaches its
 * target (for a pool: crash the pid of `shop#1`; for a tree of test children: send `test.crash`).
 */
export interface SimulatedSystem {
  readonly sim: Simulation;
  inject(fault: FaultAction): void;
}
