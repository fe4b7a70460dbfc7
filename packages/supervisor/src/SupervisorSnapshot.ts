import type { AnyActorRef, Snapshot } from 'xstate';
import type { RestartType } from './ChildSpec.ts';
import type { ExitReason } from './ExitReason.ts';
import type { StopReason } from './SupervisorEvent.ts';

/**
 * Where a child is in its life under a supervisor:
 * `idle` (not started yet), `starting` (started, waiting for its `ready` predicate), `running`,
 * `stopping` (asked to stop, or about to be), `backoff` (waiting to be restarted),
 * `terminated` (exited and not to be restarted; `restartChild` starts it again).
 */
export type ChildState = 'idle' | 'starting' | 'running' | 'stopping' | 'backoff' | 'terminated';

/** One child as `whichChildren` reports it. */
export interface ChildInfo {
  readonly id: string;
  readonly kind: 'worker' | 'supervisor';
  readonly restart: RestartType;
  readonly state: ChildState;
  /** 1 for the first start, +1 for every restart. 0 before the first start. */
  readonly incarnation: number;
  /** How many times the child was started again after its first start. */
  readonly restarts: number;
  /** The live actor, while there is one. */
  readonly ref: AnyActorRef | undefined;
  readonly lastExit: { readonly reason: ExitReason; readonly at: number } | undefined;
}

/** OTP count_children: specs held, children with a live actor, and specs by kind. */
export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

/** What a supervisor ends with (its `done` output): always an OTP `shutdown` exit. */
export interface SupervisorOutput {
  readonly exit: 'shutdown';
  readonly reason: StopReason;
}

/** A supervisor's snapshot: xstate's status plus introspection. */
export type SupervisorSnapshot = Snapshot<SupervisorOutput> & {
  readonly phase: 'running' | 'stopping' | 'stopped';
  /** In start order. */
  readonly children: readonly ChildInfo[];
  /** Restarts within the current intensity window. */
  readonly restartsInPeriod: number;
};
