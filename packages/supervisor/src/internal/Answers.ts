import type { PorticoError } from '@portico/errors';
import type { AnyActorRef, AnyActorScope } from 'xstate';
import type { ChildCommandFailure, ChildCommandResult } from '../ChildCommandResult.ts';
import { ChildStillRunningError, SupervisorNotRunningError } from '../errors.ts';
import type { ChildRecord, Reply } from './ChildRecord.ts';
import { replyOf, type Asked } from './replies.ts';

/** How the runtime answers the callers of its commands, and reports what it refused. */
export class Answers {
  readonly #scope: AnyActorScope;

  constructor(scope: AnyActorScope) {
    this.#scope = scope;
  }

  /** Refuses a command on a child that has not terminated: `restarting` while it waits out a backoff. */
  refuseLive(asked: Asked, child: ChildRecord, action: string): void {
    const failure = child.state === 'backoff' ? 'restarting' : 'running';
    this.refuse(asked, child.spec.id, failure, new ChildStillRunningError(child.spec.id, action), child.ref);
  }

  refuse(asked: Asked, id: string, failure: ChildCommandFailure, error: PorticoError, ref?: AnyActorRef): void {
    this.#scope.emit({ type: 'supervisor.command_rejected', command: asked.type, error });
    this.answer(asked, ref ? { ok: false, id, failure, error, ref } : { ok: false, id, failure, error });
  }

  answer(asked: Asked | Reply | undefined, result: ChildCommandResult): void {
    const reply = asked && replyOf(asked);
    if (!reply) return;
    const answer = { type: 'supervisor.command_answered', requestId: reply.requestId, command: reply.command, result } as const;
    // After this transition, as xstate's sendTo: the receiver sees the supervisor's new snapshot.
    this.#scope.defer(() => {
      try {
        reply.replyTo.send(answer);
      } catch (error) {
        // A throwing receiver is the caller's bug; it must not put the supervisor in error.
        queueMicrotask(() => {
          throw error;
        });
      }
    });
  }

  /** Answers the caller waiting on a child's start, if any. */
  start(child: ChildRecord, result: ChildCommandResult): void {
    const reply = child.startReply;
    child.startReply = undefined;
    this.answer(reply, result);
  }

  /** Tells the caller of a start still pending that the supervisor is stopping. */
  notRunning(child: ChildRecord, phase: string): void {
    child.requested = undefined;
    this.start(child, { ok: false, id: child.spec.id, failure: 'not_running', error: new SupervisorNotRunningError(phase) });
  }

  /** Answers the callers waiting for this child's stop (terminateChild): it has stopped. */
  stopped(child: ChildRecord): void {
    const waiting = child.stopReplies;
    if (waiting.length === 0) return;
    child.stopReplies = [];
    for (const reply of waiting) this.answer(reply, { ok: true, id: child.spec.id, ref: undefined });
  }
}
