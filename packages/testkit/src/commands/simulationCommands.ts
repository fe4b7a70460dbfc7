import fc from 'fast-check';
import type { FaultKind } from '../Fault.ts';
import { AdvanceCommand } from './AdvanceCommand.ts';
import { FaultCommand } from './FaultCommand.ts';
import type { FaultAction, SimulatedSystem } from './SimulatedSystem.ts';

export interface SimulationCommandConstraints<M extends object> {
  readonly targets: readonly string[];
  /** Largest single advance. Default 5 000 ms. */
  readonly maxAdvanceMs?: number;
  /** Default every kind. */
  readonly kinds?: readonly FaultKind[];
  /** Default 1, 2, 70, 137. */
  readonly exitCodes?: readonly number[];
  /** Keep your model in step with time. */
  readonly onAdvance?: (model: M, ms: number) => void;
  /** Keep your model in step with faults. */
  readonly onFault?: (model: M, fault: FaultAction) => void;
}

/**
 * The testkit's commands, as arbitraries to put in `fc.commands([...simulationCommands(…),
 * ...yourOwn])`: advancing time, and every fault kind against the given targets.
 */
export function simulationCommands<M extends object = object, R extends SimulatedSystem = SimulatedSystem>(
  constraints: SimulationCommandConstraints<M>,
): fc.Arbitrary<fc.AsyncCommand<M, R>>[] {
  const { targets, maxAdvanceMs = 5_000 } = constraints;
  const kinds = new Set(constraints.kinds ?? ['crash', 'kill', 'hang-on-stop', 'never-ready', 'port-collision']);
  const target = fc.constantFrom(...targets);
  const fault = (arbitrary: fc.Arbitrary<FaultAction>) => arbitrary.map((f) => new FaultCommand<M, R>(f, constraints.onFault) as fc.AsyncCommand<M, R>);
  const all: [FaultKind, fc.Arbitrary<fc.AsyncCommand<M, R>>][] = [
    ['crash', fault(fc.record({ kind: fc.constant('crash' as const), target, code: fc.constantFrom(...(constraints.exitCodes ?? [1, 2, 70, 137])) }))],
    ['kill', fault(fc.record({ kind: fc.constant('kill' as const), target }))],
    ['hang-on-stop', fault(fc.record({ kind: fc.constant('hang-on-stop' as const), target }))],
    ['never-ready', fault(fc.constant({ kind: 'never-ready' as const }))],
    ['port-collision', fault(fc.constant({ kind: 'port-collision' as const }))],
  ];
  return [
    fc.integer({ min: 1, max: maxAdvanceMs }).map((ms) => new AdvanceCommand<M, R>(ms, constraints.onAdvance) as fc.AsyncCommand<M, R>),
    ...all.filter(([kind]) => kinds.has(kind)).map(([, arbitrary]) => arbitrary),
  ];
}
