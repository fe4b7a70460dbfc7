export { createSupervisor } from './createSupervisor.ts';
export type { SupervisorEvent, SupervisorLogic } from './createSupervisor.ts';
export { createTemplateSupervisor } from './createTemplateSupervisor.ts';
export type { ChildTemplate, TemplateSupervisorOptions } from './createTemplateSupervisor.ts';
export {
  whichChildren,
  whichChild,
  getChildSpec,
  countChildren,
  startChild,
  startTemplateChild,
  terminateChild,
  restartChild,
  deleteChild,
  stopSupervisor,
} from './supervisorCommands.ts';
export type { SupervisorRef } from './supervisorCommands.ts';
export type { ChildCommandFailure, ChildCommandResult } from './ChildCommandResult.ts';
export type { ChildSpec, RestartType, Shutdown } from './ChildSpec.ts';
export type { SupervisorOptions, Strategy, AutoShutdown } from './SupervisorOptions.ts';
export { validateSupervisorOptions, validateChildSpec } from './SupervisorOptions.ts';
export type { ChildCounts, ChildInfo, ChildState, SupervisorOutput, SupervisorSnapshot } from './SupervisorSnapshot.ts';
export type { ChildCommand, CommandReplyTarget, SupervisorCommand, SupervisorCommandAnswer, SupervisorEmitted, StopReason } from './SupervisorEvent.ts';
export { exitFromOutput, describeExit } from './ExitReason.ts';
export type { CrashOutput, ExitReason, ShutdownOutput } from './ExitReason.ts';
export { backoffDelay, immediate } from './Backoff.ts';
export type { Backoff } from './Backoff.ts';
export { admitRestart } from './RestartIntensity.ts';
export type { RestartIntensity } from './RestartIntensity.ts';
export { systemClock, clockOf } from './Clock.ts';
export type { Clock } from './Clock.ts';
export { SimulatedClock } from './SimulatedClock.ts';
export * from './errors.ts';
