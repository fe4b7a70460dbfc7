import type { AnyActorLogic, InputFrom, SnapshotFrom } from 'xstate';
import type { Backoff } from './Backoff.ts';

/** OTP restart types: when a child that exited is started again. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * How a child is stopped: a number of seconds to wait after asking it to shut down (the
 * `portico.shutdown` event) before stopping it outright; `'brutal_kill'` to stop it outright at
 * once; `'infinity'` to wait as long as it takes (OTP's default for supervisors).
 */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/**
 * One child of a supervisor: any xstate actor logic, with how to restart and stop it.
 *
 * @example
 * const spec: ChildSpec = {
 *   id: 'cache',
 *   logic: cacheMachine,
 *   restart: 'transient',
 *   shutdown: 2,
 * };
 */
export interface ChildSpec<TLogic extends AnyActorLogic = AnyActorLogic> {
  /** Unique within its supervisor; the child's name in events and introspection. */
  readonly id: string;
  readonly logic: TLogic;
  /** Given to every incarnation of the child. */
  readonly input?: InputFrom<TLogic>;
  /** Default `permanent`. */
  readonly restart?: RestartType;
  /** Default 5 seconds for a worker, `infinity` for a supervisor (OTP). */
  readonly shutdown?: Shutdown;
  /** Default `worker`. Only changes the default `shutdown`. */
  readonly kind?: 'worker' | 'supervisor';
  /** With the supervisor's `autoShutdown`, this child's own exit may end the supervisor (OTP 24). */
  readonly significant?: boolean;
  /**
   * When the child counts as started. Without it, a child is started as soon as its actor starts.
   * With it, the supervisor waits for a snapshot that satisfies it before it starts the next
   * child, and a child that exits before then has failed to start.
   */
  readonly ready?: (snapshot: SnapshotFrom<TLogic>) => boolean;
  /** Overrides the supervisor's backoff for this child. */
  readonly backoff?: Backoff;
}
