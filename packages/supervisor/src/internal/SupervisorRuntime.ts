import { createActor, type AnyActorRef, type AnyActorScope, type Subscription } from 'xstate';
import { backoffDelay, immediate, resetAfter } from '../Backoff.ts';
import type { ChildSpec } from '../ChildSpec.ts';
import { clockOf, type Clock } from '../Clock.ts';
import { exitFromOutput, type ExitReason } from '../ExitReason.ts';
import { admitRestart } from '../RestartIntensity.ts';
import type { ChildInfo, ChildState, SupervisorSnapshot } from '../SupervisorSnapshot.ts';
import type { ChildCommandFailure, ChildCommandResult } from '../ChildCommandResult.ts';
import { ChildStartFailed, ChildStillRunning, DuplicateChild, SupervisorNotRunning, UnknownChild } from '../errors.ts';
import { describeExit } from '../ExitReason.ts';
import type { ChildCommand, CommandReplyTarget, SupervisorEmitted, StopReason } from '../SupervisorEvent.ts';
import { validateChildSpec, type SupervisorOptions } from '../SupervisorOptions.ts';
import type { PorticoError } from '@portico/errors';

/** What happens to a child once a stop that the supervisor asked for completes. */
type AfterStop = 'restart' | 'remove' | 'terminate';

interface ChildRecord {
  readonly spec: ChildSpec;
  state: ChildState;
  ref: AnyActorRef | undefined;
  actorId: string | undefined;
  incarnation: number;
  /** Consecutive failures, for backoff; reset when the child stayed up long enough. */
  failures: number;
  startedAt: number;
  lastExit: { reason: ExitReason; at: number } | undefined;
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
}

/**
 * The supervisor works through one step at a time, so that starts happen in order, stops in
 * reverse order, and each waits for the one before it (OTP's supervisor is likewise blocked while
 * it starts or stops a child). Restart delays are timers, not steps: a child waiting out its
 * backoff never holds up its siblings.
 */
type Step =
  | { readonly op: 'start'; readonly id: string }
  | { readonly op: 'stop'; readonly id: string }
  | { readonly op: 'schedule'; readonly token: number; readonly delayMs: number }
  | { readonly op: 'finish' };

/** A caller waiting for the answer to a command. */
interface Reply {
  readonly replyTo: CommandReplyTarget;
  readonly requestId: string | undefined;
  readonly command: ChildCommand['type'];
}

/** A command as the runtime receives it: its type and where its answer goes. */
type Asked = Pick<ChildCommand, 'type' | 'replyTo' | 'requestId'>;

export type SupervisorInternalEvent =
  | { readonly type: 'supervisor.init' }
  | { readonly type: 'supervisor.child_ready'; readonly actorId: string }
  | { readonly type: 'supervisor.shutdown_timeout'; readonly actorId: string }
  | { readonly type: 'supervisor.restart_due'; readonly token: number };

const doneEventPrefix = 'xstate.done.actor.';
const errorEventPrefix = 'xstate.error.actor.';

/** The mutable state behind one supervisor actor. Every method runs inside its transition. */
export class SupervisorRuntime {
  readonly #options: SupervisorOptions;
  readonly #scope: AnyActorScope;
  readonly #clock: Clock;
  readonly #random: () => number;
  #children: ChildRecord[] = [];
  #queue: Step[] = [];
  #current: Step | undefined;
  #phase: SupervisorSnapshot['phase'] = 'running';
  #stopReason: StopReason = 'shutdown';
  #restartHistory: number[] = [];
  #nextToken = 1;
  #byActorId = new Map<string, ChildRecord>();

  constructor(options: SupervisorOptions, scope: AnyActorScope) {
    this.#options = options;
    this.#scope = scope;
    this.#clock = clockOf(scope.system);
    this.#random = options.random ?? Math.random;
    for (const spec of options.children ?? []) this.#children.push(newRecord(spec));
  }

  get phase(): SupervisorSnapshot['phase'] {
    return this.#phase;
  }

  get stopReason(): StopReason {
    return this.#stopReason;
  }

  has(id: string): boolean {
    return this.#find(id) !== undefined;
  }

  init(): void {
    for (const child of this.#children) this.#queue.push({ op: 'start', id: child.spec.id });
    this.#pump();
  }

  /** Routes xstate's done/error events from children. Returns false for an event that is not one. */
  childEvent(type: string, event: { output?: unknown; error?: unknown }): boolean {
    const isDone = type.startsWith(doneEventPrefix);
    if (!isDone && !type.startsWith(errorEventPrefix)) return false;
    const actorId = type.slice(isDone ? doneEventPrefix.length : errorEventPrefix.length);
    const child = this.#byActorId.get(actorId);
    // An event from an incarnation already stopped outright, or already counted, is stale.
    if (child) this.#exited(child, isDone ? exitFromOutput(event.output) : { kind: 'crash', error: event.error });
    return true;
  }

  childReady(actorId: string): void {
    const child = this.#byActorId.get(actorId);
    if (child?.state !== 'starting') return;
    child.state = 'running';
    this.#started(child);
    if (this.#current?.op === 'start' && this.#current.id === child.spec.id) this.#current = undefined;
    this.#pump();
  }

  shutdownTimedOut(actorId: string): void {
    const child = this.#byActorId.get(actorId);
    if (!child || child.state !== 'stopping') return;
    this.#kill(child, 'timeout');
    this.#stopCompleted(child);
  }

  restartDue(token: number): void {
    for (const child of this.#children) {
      if (child.state === 'backoff' && child.restartToken === token) this.#queue.push({ op: 'start', id: child.spec.id });
    }
    this.#pump();
  }

  // --- commands (OTP start_child, terminate_child, restart_child, delete_child) ---------------

  /** Refuses any command while the supervisor is stopping or has ended. */
  refuseNotRunning(asked: Asked, id: string): void {
    this.#refuse(asked, id, 'not_running', new SupervisorNotRunning(this.#phase));
  }

  startChild(spec: ChildSpec, reply: Asked): void {
    try {
      validateChildSpec(spec, 'spec');
    } catch (error) {
      return this.#refuse(reply, String((spec as Partial<ChildSpec> | undefined)?.id), 'invalid_spec', error as PorticoError);
    }
    const existing = this.#find(spec.id);
    if (existing) {
      const live = existing.ref !== undefined;
      return this.#refuse(reply, spec.id, live ? 'already_started' : 'already_present', new DuplicateChild(spec.id, live), existing.ref);
    }
    const child = newRecord(spec);
    child.requested = 'remove';
    child.startReply = replyOf(reply);
    this.#children.push(child);
    this.#queue.push({ op: 'start', id: spec.id });
    this.#pump();
  }

  /** Stops a child and keeps its spec (OTP terminate_child); answers once the stop has completed. */
  terminateChild(id: string, reply: Asked): void {
    const child = this.#find(id);
    if (!child) return this.#refuse(reply, id, 'not_found', new UnknownChild(id));
    const waiting = replyOf(reply);
    if (waiting) child.stopReplies.push(waiting);
    this.#dropQueuedStart(id);
    // A start a caller still waits on has not taken: that caller is told, then the stop goes on.
    if (child.requested) this.#abandonRequest(child, 'terminated before it was ready');
    const after: AfterStop = child.spec.restart === 'temporary' ? 'remove' : 'terminate';
    if (child.state === 'stopping') {
      // Its stop is under way (a group restart): it ends terminated instead of restarted.
      child.after = after;
    } else if (child.ref) {
      this.#markStopping(child, after);
      // A command is carried out before the steps already queued, as OTP's call would be.
      this.#queue.unshift({ op: 'stop', id });
    } else {
      this.#settle(child, after);
    }
    this.#pump();
  }

  /** Starts a terminated child again (OTP restart_child); answers once it has started or failed to. */
  restartChild(id: string, reply: Asked): void {
    const child = this.#find(id);
    if (!child) return this.#refuse(reply, id, 'not_found', new UnknownChild(id));
    if (child.state !== 'terminated') return this.#refuseLive(reply, child, 'restarted');
    child.state = 'idle';
    child.requested = 'terminate';
    child.startReply = replyOf(reply);
    this.#queue.push({ op: 'start', id });
    this.#pump();
  }

  /** Removes a terminated child's spec (OTP delete_child). */
  deleteChild(id: string, reply: Asked): void {
    const child = this.#find(id);
    if (!child) return this.#refuse(reply, id, 'not_found', new UnknownChild(id));
    if (child.state !== 'terminated') return this.#refuseLive(reply, child, 'deleted');
    this.#remove(child);
    this.#answer(reply, { ok: true, id, ref: undefined });
  }

  #refuseLive(reply: Asked, child: ChildRecord, action: string): void {
    this.#refuse(reply, child.spec.id, child.state === 'backoff' ? 'restarting' : 'running', new ChildStillRunning(child.spec.id, action), child.ref);
  }

  #refuse(
    reply: Asked,
    id: string,
    failure: ChildCommandFailure,
    error: PorticoError,
    ref?: AnyActorRef,
  ): void {
    this.#emit({ type: 'supervisor.command_rejected', command: reply.type, error });
    this.#answer(reply, ref ? { ok: false, id, failure, error, ref } : { ok: false, id, failure, error });
  }

  #answer(asked: Asked | Reply | undefined, result: ChildCommandResult): void {
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
  #answerStart(child: ChildRecord, result: ChildCommandResult): void {
    const reply = child.startReply;
    child.startReply = undefined;
    this.#answer(reply, result);
  }

  /** Stops every child in reverse start order, each within its shutdown time, then ends. */
  shutdown(reason: StopReason): void {
    if (this.#phase !== 'running') return;
    this.#phase = 'stopping';
    this.#stopReason = reason;
    this.#queue = [];
    const current = this.#current;
    for (const child of [...this.#children].reverse()) {
      if (child.requested) {
        child.requested = undefined;
        const error = new SupervisorNotRunning(this.#phase);
        this.#answerStart(child, { ok: false, id: child.spec.id, failure: 'not_running', error });
      }
      const after: AfterStop = child.spec.restart === 'temporary' ? 'remove' : 'terminate';
      if (child.ref) {
        this.#markStopping(child, after);
        if (current?.op !== 'stop' || current.id !== child.spec.id) this.#queue.push({ op: 'stop', id: child.spec.id });
      } else if (child.state !== 'terminated') {
        this.#scope.system.scheduler.cancel(this.#scope.self, restartTimerId(child.restartToken));
        this.#settle(child, after);
      }
    }
    this.#queue.push({ op: 'finish' });
    this.#pump();
  }

  /** xstate is stopping this supervisor outright: stop every child outright, leave nothing running. */
  stopOutright(): void {
    this.#queue = [];
    this.#current = undefined;
    this.#phase = 'stopped';
    for (const child of [...this.#children].reverse()) {
      if (child.ref) this.#kill(child, 'brutal');
      if (child.requested) {
        child.requested = undefined;
        this.#answerStart(child, { ok: false, id: child.spec.id, failure: 'not_running', error: new SupervisorNotRunning('stopped') });
      }
      child.state = 'terminated';
      this.#answerStopped(child);
    }
  }

  snapshot(status: 'active' | 'done' | 'stopped'): SupervisorSnapshot {
    const children = this.#children.map(childInfo);
    const restartsInPeriod = this.#restartHistory.filter((at) => at > this.#clock.now() - this.#period() * 1000).length;
    const view = { phase: this.#phase, children, restartsInPeriod };
    if (status === 'done') {
      return { status, output: { exit: 'shutdown', reason: this.#stopReason }, error: undefined, ...view };
    }
    return { status, output: undefined, error: undefined, ...view };
  }

  // --- steps ---------------------------------------------------------------------------------

  #pump(): void {
    while (this.#current === undefined && this.#phase !== 'stopped') {
      const step = this.#queue.shift();
      if (!step) return;
      this.#run(step);
    }
  }

  #run(step: Step): void {
    switch (step.op) {
      case 'start':
        return this.#runStart(step);
      case 'stop':
        return this.#runStop(step);
      case 'schedule':
        return this.#runSchedule(step.token, step.delayMs);
      case 'finish':
        this.#phase = 'stopped';
        this.#emit({ type: 'supervisor.stopped', reason: this.#stopReason });
        return;
    }
  }

  #runStart(step: Step & { op: 'start' }): void {
    const child = this.#find(step.id);
    if (!child || (child.state !== 'idle' && child.state !== 'backoff')) return;
    const { spec } = child;
    child.incarnation += 1;
    child.attempts += 1;
    child.actorId = `${spec.id}#${child.attempts}`;
    child.startedAt = this.#clock.now();
    child.state = spec.ready ? 'starting' : 'running';
    let ref: AnyActorRef;
    try {
      ref = createActor(spec.logic, { parent: this.#scope.self, id: child.actorId, input: spec.input });
    } catch (error) {
      return this.#startFailed(child, error);
    }
    child.ref = ref;
    this.#byActorId.set(child.actorId, child);
    if (spec.ready) {
      this.#current = step;
      child.readySubscription = watchReady(ref, spec.ready, () =>
        this.#scope.self.send({ type: 'supervisor.child_ready', actorId: child.actorId }),
      );
    }
    ref.start();
    const started = ref.getSnapshot() as { status: string; error?: unknown };
    if (started.status === 'error') return this.#startFailed(child, started.error);
    if (!spec.ready) this.#started(child);
  }

  #started(child: ChildRecord): void {
    child.requested = undefined;
    this.#emit({ type: 'supervisor.child_started', childId: child.spec.id, incarnation: child.incarnation });
    this.#answerStart(child, { ok: true, id: child.spec.id, ref: child.ref });
  }

  #startFailed(child: ChildRecord, error: unknown): void {
    // Forget this incarnation so the error event xstate relays for it is ignored as stale.
    this.#forgetIncarnation(child);
    child.state = 'starting';
    this.#exited(child, { kind: 'crash', error });
  }

  /** Ends a caller's start that has not taken (the child is being stopped); returns where the child goes back to. */
  #abandonRequest(child: ChildRecord, why: string): 'remove' | 'terminate' {
    const rollback = child.requested ?? 'terminate';
    child.requested = undefined;
    if (child.state === 'starting') child.incarnation -= 1;
    const error = new ChildStartFailed(child.spec.id, why);
    this.#emit({ type: 'supervisor.child_start_failed', childId: child.spec.id, error });
    this.#answerStart(child, { ok: false, id: child.spec.id, failure: 'start_failed', error });
    return rollback;
  }

  /** A start a caller asked for failed: the caller's error, and the child back where it was. */
  #startRefused(child: ChildRecord, error: unknown, rollback: 'remove' | 'terminate'): void {
    child.requested = undefined;
    child.incarnation -= 1;
    this.#emit({ type: 'supervisor.child_start_failed', childId: child.spec.id, error });
    const refusal = new ChildStartFailed(child.spec.id, startFailure(error), error);
    this.#answerStart(child, { ok: false, id: child.spec.id, failure: 'start_failed', error: refusal });
    if (this.#current?.op === 'start' && this.#current.id === child.spec.id) this.#current = undefined;
    this.#settle(child, rollback);
    this.#pump();
  }

  #runStop(step: Step & { op: 'stop' }): void {
    const child = this.#find(step.id);
    if (!child) return;
    if (!child.ref) return this.#settle(child, child.after);
    const shutdown = child.spec.shutdown ?? (child.spec.kind === 'supervisor' ? 'infinity' : 5);
    if (shutdown === 'brutal_kill') {
      this.#kill(child, 'brutal');
      return this.#settle(child, child.after);
    }
    this.#current = step;
    if (shutdown !== 'infinity') {
      const event = { type: 'supervisor.shutdown_timeout', actorId: child.actorId };
      this.#scope.system.scheduler.schedule(this.#scope.self, this.#scope.self, event, shutdown * 1000, shutdownTimerId(child));
    }
    child.ref.send({ type: 'portico.shutdown' });
  }

  #runSchedule(token: number, delayMs: number): void {
    if (delayMs === 0) return this.restartDue(token);
    const { self, system } = this.#scope;
    const due: SupervisorInternalEvent = { type: 'supervisor.restart_due', token };
    system.scheduler.schedule(self, self, due, delayMs, restartTimerId(token));
  }

  // --- exits -----------------------------------------------------------------------------------

  #exited(child: ChildRecord, reason: ExitReason): void {
    const now = this.#clock.now();
    const expected = child.state === 'stopping';
    const wasStarting = child.state === 'starting';
    this.#forgetIncarnation(child);
    if (wasStarting && child.requested) {
      return this.#startRefused(child, reason.kind === 'crash' ? reason.error : reason, child.requested);
    }
    child.lastExit = { reason, at: now };
    this.#emit({ type: 'supervisor.child_exited', childId: child.spec.id, exit: reason, expected, uptimeMs: now - child.startedAt });

    if (expected) {
      const current = this.#current;
      if (current?.op === 'stop' && current.id === child.spec.id) {
        this.#scope.system.scheduler.cancel(this.#scope.self, shutdownTimerId(child));
        this.#emit({ type: 'supervisor.child_stopped', childId: child.spec.id, how: 'graceful' });
        this.#stopCompleted(child);
      }
      // Otherwise a queued stop step will find it gone and settle it.
      return;
    }
    if (wasStarting) {
      this.#emit({ type: 'supervisor.child_start_failed', childId: child.spec.id, error: reason.kind === 'crash' ? reason.error : reason });
      if (this.#current?.op === 'start' && this.#current.id === child.spec.id) this.#current = undefined;
    }
    if (this.#phase === 'running') this.#decide(child, reason, now);
    this.#pump();
  }

  #decide(child: ChildRecord, reason: ExitReason, now: number): void {
    const restart = child.spec.restart ?? 'permanent';
    if (restart === 'temporary' || (restart === 'transient' && reason.kind !== 'crash')) {
      this.#settle(child, restart === 'temporary' ? 'remove' : 'terminate');
      if (child.spec.significant) this.#significantExited(child);
      return;
    }
    const backoff = child.spec.backoff ?? this.#options.backoff ?? immediate;
    if (now - child.startedAt >= resetAfter(backoff) * 1000) child.failures = 0;
    child.failures += 1;
    if (!admitRestart({ intensity: this.#intensity(), period: this.#period() }, this.#restartHistory, now)) {
      this.#emit({
        type: 'supervisor.gave_up',
        childId: child.spec.id,
        restarts: this.#restartHistory.length,
        intensity: this.#intensity(),
        period: this.#period(),
      });
      this.#settle(child, 'terminate');
      return this.shutdown('gave_up');
    }
    const token = this.#nextToken++;
    const delayMs = backoffDelay(backoff, child.failures, this.#random);
    const group = this.#restartGroup(child);
    const restarting: string[] = [];
    for (const member of [...group].reverse()) {
      this.#dropQueuedStart(member.spec.id);
      // A sibling whose start a caller asked for has not started yet, as far as OTP's blocking
      // start_child is concerned: its start is abandoned, not restarted.
      const rollback = member.requested === undefined ? undefined : this.#abandonRequest(member, 'stopped before it was ready, when its group restarted');
      const after: AfterStop = rollback ?? (member.spec.restart === 'temporary' ? 'remove' : 'restart');
      if (after === 'restart') restarting.unshift(member.spec.id);
      member.restartToken = token;
      if (member.state === 'stopping') {
        // Its stop is already under way (terminateChild, an earlier group): it ends restarted.
        member.after = after;
      } else if (member.ref) {
        this.#markStopping(member, after);
        this.#queue.push({ op: 'stop', id: member.spec.id });
      } else {
        this.#settle(member, after);
      }
    }
    this.#emit({
      type: 'supervisor.child_restarting',
      childId: child.spec.id,
      group: restarting,
      delayMs,
      attempt: child.failures,
    });
    this.#queue.push({ op: 'schedule', token, delayMs });
  }

  /** The failed child and the siblings its strategy restarts with it, in start order. */
  #restartGroup(child: ChildRecord): ChildRecord[] {
    const strategy = this.#options.strategy ?? 'one_for_one';
    if (strategy === 'one_for_one') return [child];
    const from = strategy === 'one_for_all' ? 0 : this.#children.indexOf(child);
    // Every sibling in range, including one stopped with terminateChild: OTP's restart starts
    // the whole range again (start_children over the list, whatever each child's pid was).
    return this.#children.slice(from);
  }

  #significantExited(child: ChildRecord): void {
    const mode = this.#options.autoShutdown ?? 'never';
    if (mode === 'never') return;
    const remaining = this.#children.some((c) => c.spec.significant && c !== child && c.state !== 'terminated');
    if (mode === 'any_significant' || !remaining) {
      this.#emit({ type: 'supervisor.auto_shutdown', childId: child.spec.id });
      this.shutdown('auto_shutdown');
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  #stopCompleted(child: ChildRecord): void {
    if (this.#current?.op === 'stop' && this.#current.id === child.spec.id) this.#current = undefined;
    this.#settle(child, child.after);
    this.#pump();
  }

  #markStopping(child: ChildRecord, after: AfterStop): void {
    // A child still waiting for its ready predicate holds the step; a stop ends that wait, or
    // the stop queued behind it would never run and the supervisor would be wedged.
    if (this.#current?.op === 'start' && this.#current.id === child.spec.id) {
      child.readySubscription?.unsubscribe();
      child.readySubscription = undefined;
      this.#current = undefined;
    }
    child.state = 'stopping';
    child.after = after;
  }

  #settle(child: ChildRecord, after: AfterStop): void {
    this.#answerStopped(child);
    if (after === 'remove') return this.#remove(child);
    child.state = after === 'restart' ? 'backoff' : 'terminated';
  }

  /** Answers the callers waiting for this child's stop (terminateChild): it has stopped. */
  #answerStopped(child: ChildRecord): void {
    const waiting = child.stopReplies;
    if (waiting.length === 0) return;
    child.stopReplies = [];
    for (const reply of waiting) this.#answer(reply, { ok: true, id: child.spec.id, ref: undefined });
  }

  #kill(child: ChildRecord, how: 'brutal' | 'timeout'): void {
    const { ref } = child;
    this.#forgetIncarnation(child);
    if (ref) this.#scope.stopChild(ref);
    this.#emit({ type: 'supervisor.child_stopped', childId: child.spec.id, how });
  }

  #forgetIncarnation(child: ChildRecord): void {
    child.readySubscription?.unsubscribe();
    child.readySubscription = undefined;
    if (child.actorId) this.#byActorId.delete(child.actorId);
    child.ref = undefined;
  }

  #remove(child: ChildRecord): void {
    this.#forgetIncarnation(child);
    this.#children = this.#children.filter((c) => c !== child);
  }

  #dropQueuedStart(id: string): void {
    this.#queue = this.#queue.filter((step) => step.op !== 'start' || step.id !== id);
  }

  #find(id: string): ChildRecord | undefined {
    return this.#children.find((c) => c.spec.id === id);
  }

  #intensity(): number {
    return this.#options.intensity ?? 1;
  }

  #period(): number {
    return this.#options.period ?? 5;
  }

  #emit(event: SupervisorEmitted): void {
    this.#scope.emit(event);
  }
}

function newRecord(spec: ChildSpec): ChildRecord {
  return {
    spec,
    state: 'idle',
    ref: undefined,
    actorId: undefined,
    incarnation: 0,
    failures: 0,
    startedAt: 0,
    lastExit: undefined,
    readySubscription: undefined,
    after: 'terminate',
    restartToken: 0,
    requested: undefined,
    startReply: undefined,
    stopReplies: [],
    attempts: 0,
  };
}

function childInfo(child: ChildRecord): ChildInfo {
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

function watchReady(ref: AnyActorRef, ready: (snapshot: never) => boolean, onReady: () => void): Subscription {
  let signalled = false;
  return ref.subscribe({
    next: (snapshot: { status: string }) => {
      if (signalled || snapshot.status !== 'active') return;
      let isReady = false;
      try {
        isReady = ready(snapshot as never);
      } catch {
        // A throwing predicate means "not ready yet"; the start time limit still applies.
      }
      if (!isReady) return;
      signalled = true;
      onReady();
    },
    // Errors reach the supervisor as xstate.error.actor events; observing them here keeps
    // xstate from reporting them as unhandled.
    error: () => {},
  });
}

function replyOf(asked: Asked | Reply): Reply | undefined {
  if ('command' in asked) return asked;
  return asked.replyTo ? { replyTo: asked.replyTo, requestId: asked.requestId, command: asked.type } : undefined;
}

/** What a failed start says: the thrown error's message, or how the child ended before it was ready. */
function startFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  const exit = error as Partial<ExitReason> | undefined;
  return typeof exit?.kind === 'string' ? `it ended (${describeExit(exit as ExitReason)}) before it was ready` : String(error);
}

function restartTimerId(token: number): string {
  return `supervisor.restart.${token}`;
}

function shutdownTimerId(child: ChildRecord): string {
  return `supervisor.shutdown.${child.actorId ?? child.spec.id}`;
}
