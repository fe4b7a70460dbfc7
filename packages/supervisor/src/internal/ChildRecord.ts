import type { AnyActorRef, Subscription } from 'xstate';
import type { ChildSpec } from '../ChildSpec.ts';
import type { ExitReason } from '../ExitReason.ts';
import type { ChildCommand, CommandReplyTarget } from '../SupervisorEvent.ts';
import type { ChildInfo, ChildState } from '../SupervisorSnapshot.ts';

/** What happens to a child once a stop that the supervisor asked for completes. */
export type AfterStop = 'restart' | 'remove' | 'terminate';

/** A caller waiting for the answer to a command. */
export interface Reply {
  readonly replyTo: CommandReplyTarget;
  readonly requestId: string | undefined;
  readonly command: ChildCommand['type'];
}

/** One child as the runtime keeps it. Only the runtime changes it, inside the supervisor's transition. */
export interface ChildRecord {
  readonly spec: ChildSpec;
  state: ChildState;
  ref: AnyActorRef | undefined;
  actorId: string | undefined;
  incarnation: number;
  /** Consecutive failures, for backoff; reset when the child stayed up long enough. */
  failures: number;
  startedAt: number;
  lastExit: { reason: ExitReason; at: number } | undefined;
  /**
   * How it ended while it waited, marked stopping, for its turn in a stop (Portico stops an app's
   * workers all at once): its stop step reports it when it comes, so `child_stopped` keeps the order.
   */
  endedBeforeTurn: ExitReason | undefined;
  readySubscription: Subscription | undefined;
  after: AfterStop;
  restartToken: number;
  /**
   * Set while a start a caller asked for (startChild, restartChild) has not yet succeeded: if it
   * fails, the caller gets the error and the child goes back to where it was (OTP), instead of
   * the failure counting as a crash.
   */
  requested: 'remove' | 'terminate' | undefined;
  /** The caller waiting on that start, if it asked for an answer. */
  startReply: Reply | undefined;
  /** Callers waiting for this child's stop to complete (terminateChild). */
  stopReplies: Reply[];
  /** Start attempts, for unique actor ids; `incarnation` counts only the starts that took. */
  attempts: number;
  /** The start step that may start it; a queued step with an older number was withdrawn. */
  startSeq: number;
  /** Its place in the start order (`ChildList`); `listed` is false once it is removed. */
  prev: ChildRecord | undefined;
  next: ChildRecord | undefined;
  listed: boolean;
}

export function newRecord(spec: ChildSpec): ChildRecord {
  return {
    spec,
    state: 'idle',
    ref: undefined,
    actorId: undefined,
    incarnation: 0,
    failures: 0,
    startedAt: 0,
    lastExit: undefined,
    endedBeforeTurn: undefined,
    readySubscription: undefined,
    after: 'terminate',
    restartToken: 0,
    requested: undefined,
    startReply: undefined,
    stopReplies: [],
    attempts: 0,
    startSeq: 0,
    prev: undefined,
    next: undefined,
    listed: false,
  };
}

/** The child as introspection shows it: a fresh, immutable view. */
export function childInfo(child: ChildRecord): ChildInfo {
  return {
    id: child.spec.id,
    kind: child.spec.kind ?? 'worker',
    restart: child.spec.restart ?? 'permanent',
    state: child.state,
    incarnation: child.incarnation,
    restarts: Math.max(0, child.incarnation - 1),
    ref: child.ref,
    lastExit: child.lastExit,
  };
}
