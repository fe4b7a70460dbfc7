// The simulated clock lives beside the Clock interface it implements; the testkit is where
// integrators find it, with the rest of the simulation tools.
export { SimulatedClock } from '@portico/supervisor';
export { Simulation, formatTime } from './Simulation.ts';
export type { SimulationOptions } from './Simulation.ts';
export { SimulatedProcessHost } from './SimulatedProcessHost.ts';
export type { SimulatedProcessHostOptions, SimulatedProcessInfo } from './SimulatedProcessHost.ts';
export type { ProcessBehaviour, ProcessScript, SpawnContext } from './ProcessScript.ts';
export { seededRandom } from './seededRandom.ts';
export { testChild } from './testChild.ts';
export type { TestChildEvent, TestChildInput, TestChildSnapshot } from './testChild.ts';
export { applyFault, faultScheduleArbitrary, formatFault, formatSchedule, printableSchedule, runFaultSchedule } from './Fault.ts';
export type { Fault, FaultKind, FaultSchedule, FaultScheduleConstraints } from './Fault.ts';
export * from './arbitraries/index.ts';
export * from './commands/index.ts';
export { recordEvents, createCapturingLogger } from './recordEvents.ts';
export type { TimedEvent } from './recordEvents.ts';
export { recordTreeEvents } from './recordTreeEvents.ts';
export { trackActors } from './trackActors.ts';
export type { ActorTracker } from './trackActors.ts';
export { trackChildStates } from './trackChildStates.ts';
export type { ChildStateTracker } from './trackChildStates.ts';
export {
  assertEachRequestAnsweredOnce,
  assertNoOrphans,
  assertQuiescent,
  assertRestartIntensity,
  assertStateTimeLimits,
  assertStopOrder,
} from './invariants/index.ts';
export type { CheckOptions } from './invariants/index.ts';
export { assertSimulation, formatFailure, replayParameters } from './assertSimulation.ts';
export * from './errors.ts';
