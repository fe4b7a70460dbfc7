import type { PorticoError } from '@portico/errors';
import { createActor, type AnyActorRef, type AnyActorScope } from 'xstate';
import { backoffDelay, immediate, resetAfter } from '../Backoff.ts';
import type { ChildSpec } from '../ChildSpec.ts';
import { clockOf, type Clock } from '../Clock.ts';
import { ChildStartFailedError, DuplicateChildError, InvalidSupervisorOptionError, SupervisorNotRunningError, UnknownChildError } from '../errors.ts';
import { exitFromOutput, exitTimeOf, type ExitReason } from '../ExitReason.ts';
import type { StopReason, SupervisorEmitted } from '../SupervisorEvent.ts';
import { validateChildSpec, type SupervisorOptions } from '../SupervisorOptions.ts';
import type { ChildCounts, ChildInfo, SupervisorSnapshot } from '../SupervisorSnapshot.ts';
import { Answers } from './Answers.ts';
import { childInfo, newRecord, type AfterStop, type ChildRecord } from './ChildRecord.ts';
import { ChildTable } from './ChildTable.ts';
import { replyOf, startFailure, type Asked } from './replies.ts';
import { RestartHistory } from './RestartHistory.ts';
import { StepQueue } from './StepQueue.ts';
import { watchReady } from './watchReady.ts';

/**
 * The supervisor works through one step at a time, so that starts happen in order, stops in
 * reverse order, and each waits for the one before it (OTP's supervisor is likewise blocked while
 * it starts or stops a child). Restart delays are timers, not steps: a child waiting out its
 * backoff never holds up its siblings. Steps hold their child, so none needs a search.
 */
type Step =
  | { readonly op: 'start'; readonly child: ChildRecord; readonly seq: number }
  | { readonly op: 'stop'; readonly child: ChildRecord }
  | { readonly op: 'schedule'; readonly token: number; readonly delayMs: number }
  | { readonly op: 'finish' };

/** How a template supervisor makes a child: its spec from the start arguments and a sequence number. */
export interface Template {
  specFor(args: unknown, seq: number): ChildSpec;
}

export type SupervisorInternalEvent =
  | { readonly type: 'supervisor.init' }
  | { readonly type: 'supervisor.child_ready'; readonly actorId: string }
  | { readonly type: 'supervisor.shutdown_timeout'; readonly actorId: string }
  | { readonly type: 'supervisor.restart_due'; readonly token: number };

const doneEventPrefix = 'xstate.done.actor.';
const errorEventPrefix = 'xstate.error.actor.';

/**
 * The mutable state behind one supervisor actor. Every method runs inside its transition, and
 * each costs time in proportion to the children it acts on, never to the number of children
 * (issue 16: 10 000 children made each start 21–35× slower than 1 000). The children and the
 * indexes over them are a `ChildTable`, the restarts counted against the intensity a
 * `RestartHistory`; what stays here is the step machine (the queue, the current step, the phase)
 * that every start, stop, exit and command goes through, which is why it is still one file past
 * the usual size: each method reads and moves the same step.
 */
export class SupervisorRuntime {
  readonly #options: SupervisorOptions;
  readonly #scope: AnyActorScope;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #children = new ChildTable();
  readonly #queue = new StepQueue<Step>();
  #current: Step | undefined;
  #phase: SupervisorSnapshot['phase'] = 'running';
  #stopReason: StopReason = 'shutdown';
  readonly #restarts: RestartHistory;
  #nextToken = 1;
  /** The children each pending restart (by token) starts again, in start order. */
  readonly #restartGroups = new Map<number, ChildRecord[]>();
  readonly #template: Template | undefined;
  readonly #answers: Answers;
  #templateSeq = 0;

  constructor(options: SupervisorOptions, scope: AnyActorScope, template: Template | undefined) {
    this.#options = options;
    this.#template = template;
    this.#answers = new Answers(scope);
    this.#scope = scope;
    this.#clock = clockOf(scope.system);
    this.#random = options.random ?? Math.random;
    this.#restarts = new RestartHistory({ intensity: options.intensity ?? 1, period: options.period ?? 5 });
    for (const spec of options.children ?? []) this.#children.add(newRecord(spec));
  }

  get phase(): SupervisorSnapshot['phase'] {
    return this.#phase;
  }

  // --- introspection (OTP which_child, get_childspec, count_children) ------------------------

  childInfo(id: string): ChildInfo | undefined {
    const child = this.#children.get(id);
    return child && childInfo(child);
  }

  childSpec(id: string): ChildSpec | undefined {
    return this.#children.get(id)?.spec;
  }

  counts(): ChildCounts {
    return this.#children.counts();
  }

  init(): void {
    for (const child of this.#children.forward()) this.#queueStart(child);
    this.#pump();
  }

  /** Routes xstate's done/error events from children. Returns false for an event that is not one. */
  childEvent(type: string, event: { output?: unknown; error?: unknown }): boolean {
    const isDone = type.startsWith(doneEventPrefix);
    if (!isDone && !type.startsWith(errorEventPrefix)) return false;
    const actorId = type.slice(isDone ? doneEventPrefix.length : errorEventPrefix.length);
    const child = this.#children.byActorId(actorId);
    // An event from an incarnation already stopped outright, or already counted, is stale.
    if (child) this.#exited(child, isDone ? exitFromOutput(event.output) : { kind: 'crash', error: event.error }, isDone ? exitTimeOf(event.output) : undefined);
    return true;
  }

  childReady(actorId: string): void {
    const child = this.#children.byActorId(actorId);
    if (child?.state !== 'starting') return;
    this.#children.setState(child, 'running');
    this.#started(child);
    if (this.#isCurrent('start', child)) this.#current = undefined;
    this.#pump();
  }

  shutdownTimedOut(actorId: string): void {
    const child = this.#children.byActorId(actorId);
    if (!child || child.state !== 'stopping') return;
    const shutdown = child.spec.shutdown ?? (child.spec.kind === 'supervisor' ? 'infinity' : 5);
    this.#kill(child, 'timeout', `not ended within its shutdown time (${String(shutdown)} s); stopped outright`);
    this.#stopCompleted(child);
  }

  restartDue(token: number): void {
    const group = this.#restartGroups.get(token) ?? [];
    this.#restartGroups.delete(token);
    for (const child of group) {
      if (child.listed && child.state === 'backoff' && child.restartToken === token) this.#queueStart(child);
    }
    this.#pump();
  }

  // --- commands (OTP start_child, terminate_child, restart_child, delete_child) ---------------

  /** Refuses any command while the supervisor is stopping or has ended. */
  refuseNotRunning(asked: Asked, id: string): void {
    this.#answers.refuse(asked, id, 'not_running', new SupervisorNotRunningError(this.#phase));
  }

  startChild(spec: ChildSpec, asked: Asked): void {
    if (this.#template && asked.type === 'supervisor.start_child') {
      const error = new InvalidSupervisorOptionError('spec', 'cannot be given to a template supervisor: its children come from its template; use startTemplateChild(ref, args)');
      return this.#answers.refuse(asked, String((spec as Partial<ChildSpec> | undefined)?.id), 'invalid_spec', error);
    }
    try {
      validateChildSpec(spec, 'spec', this.#options.autoShutdown);
    } catch (error) {
      return this.#answers.refuse(asked, String((spec as Partial<ChildSpec> | undefined)?.id), 'invalid_spec', error as PorticoError);
    }
    const existing = this.#children.get(spec.id);
    if (existing) {
      const live = existing.ref !== undefined;
      return this.#answers.refuse(asked, spec.id, live ? 'already_started' : 'already_present', new DuplicateChildError(spec.id, live), existing.ref);
    }
    const child = newRecord(spec);
    child.requested = 'remove';
    child.startReply = replyOf(asked);
    this.#children.add(child);
    this.#queueStart(child);
    this.#pump();
  }

  /** A template supervisor's start: a child from the template with `args` (OTP simple_one_for_one start_child). */
  startTemplateChild(args: unknown, asked: Asked): void {
    if (!this.#template) {
      return this.#answers.refuse(asked, '', 'invalid_spec', new InvalidSupervisorOptionError('args', 'need a template supervisor (createTemplateSupervisor); give this one a child spec with startChild'));
    }
    let spec: ChildSpec;
    try {
      spec = this.#template.specFor(args, ++this.#templateSeq);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return this.#answers.refuse(asked, '', 'invalid_spec', new InvalidSupervisorOptionError('template.input', `threw for these arguments: ${why}`, error));
    }
    this.startChild(spec, asked);
  }

  /** Stops a child and keeps its spec (OTP terminate_child); answers once the stop has completed. */
  terminateChild(id: string, asked: Asked): void {
    const child = this.#children.get(id);
    if (!child) return this.#answers.refuse(asked, id, 'not_found', new UnknownChildError(id));
    const waiting = replyOf(asked);
    if (waiting) child.stopReplies.push(waiting);
    child.startSeq += 1; // withdraws a queued start
    // A start a caller still waits on has not taken: that caller is told, then the stop goes on.
    if (child.requested) this.#abandonRequest(child, 'terminated before it was ready');
    const after: AfterStop = child.spec.restart === 'temporary' ? 'remove' : 'terminate';
    if (child.state === 'stopping') {
      // Its stop is under way (a group restart): it ends terminated instead of restarted.
      child.after = after;
    } else if (child.ref) {
      this.#markStopping(child, after);
      // A command is carried out before the steps already queued, as OTP's call would be.
      this.#queue.pushFront({ op: 'stop', child });
    } else {
      this.#settle(child, after);
    }
    this.#pump();
  }

  /** Starts a terminated child again (OTP restart_child); answers once it has started or failed to. */
  restartChild(id: string, asked: Asked): void {
    const child = this.#children.get(id);
    if (!child) return this.#answers.refuse(asked, id, 'not_found', new UnknownChildError(id));
    if (child.state !== 'terminated') return this.#answers.refuseLive(asked, child, 'restarted');
    this.#children.setState(child, 'idle');
    child.requested = 'terminate';
    child.startReply = replyOf(asked);
    this.#queueStart(child);
    this.#pump();
  }

  /** Removes a terminated child's spec (OTP delete_child). */
  deleteChild(id: string, asked: Asked): void {
    const child = this.#children.get(id);
    if (!child) return this.#answers.refuse(asked, id, 'not_found', new UnknownChildError(id));
    if (child.state !== 'terminated') return this.#answers.refuseLive(asked, child, 'deleted');
    this.#children.remove(child);
    this.#answers.answer(asked, { ok: true, id, ref: undefined });
  }

  /** Stops every child in reverse start order, each within its shutdown time, then ends. */
  shutdown(reason: StopReason): void {
    if (this.#phase !== 'running') return;
    this.#phase = 'stopping';
    this.#stopReason = reason;
    this.#queue.clear();
    for (const token of this.#restartGroups.keys()) this.#scope.system.scheduler.cancel(this.#scope.self, restartTimerId(token));
    this.#restartGroups.clear();
    const current = this.#current;
    for (const child of this.#children.backward()) {
      if (child.requested) this.#answers.notRunning(child, this.#phase);
      const after: AfterStop = child.spec.restart === 'temporary' ? 'remove' : 'terminate';
      if (child.ref) {
        this.#markStopping(child, after);
        if (current?.op !== 'stop' || current.child !== child) this.#queue.push({ op: 'stop', child });
      } else if (child.state !== 'terminated') {
        this.#settle(child, after);
      }
    }
    this.#queue.push({ op: 'finish' });
    this.#pump();
  }

  /** xstate is stopping this supervisor outright: stop every child outright, leave nothing running. */
  stopOutright(): void {
    this.#queue.clear();
    this.#current = undefined;
    this.#phase = 'stopped';
    for (const child of this.#children.backward()) {
      if (child.ref) this.#kill(child, 'brutal', 'its supervisor was stopped outright');
      if (child.requested) this.#answers.notRunning(child, this.#phase);
      this.#children.setState(child, 'terminated');
      this.#answers.stopped(child);
    }
  }

  snapshot(status: 'active' | 'done' | 'stopped'): SupervisorSnapshot {
    const output = status === 'done' ? { exit: 'shutdown' as const, reason: this.#stopReason } : undefined;
    const snapshot = { status, output, error: undefined, phase: this.#phase, restartsInPeriod: this.#restarts.inPeriod(this.#clock.now()) };
    // Built on first read only: most snapshots are never asked for their children.
    Object.defineProperty(snapshot, 'children', { get: this.#children.capture(), enumerable: true });
    return snapshot as SupervisorSnapshot;
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

  #queueStart(child: ChildRecord): void {
    child.startSeq += 1;
    this.#queue.push({ op: 'start', child, seq: child.startSeq });
  }

  #runStart(step: Step & { op: 'start' }): void {
    const { child } = step;
    if (!child.listed || step.seq !== child.startSeq || (child.state !== 'idle' && child.state !== 'backoff')) return;
    const { spec } = child;
    child.incarnation += 1;
    child.attempts += 1;
    child.actorId = `${spec.id}#${child.attempts}`;
    child.startedAt = this.#clock.now();
    this.#children.setState(child, spec.ready ? 'starting' : 'running');
    let ref: AnyActorRef;
    try {
      ref = createActor(spec.logic, { parent: this.#scope.self, id: child.actorId, input: spec.input });
    } catch (error) {
      return this.#startFailed(child, error);
    }
    this.#children.incarnate(child, ref);
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
    this.#answers.start(child, { ok: true, id: child.spec.id, ref: child.ref });
  }

  #startFailed(child: ChildRecord, error: unknown): void {
    // Forget this incarnation so the error event xstate relays for it is ignored as stale.
    this.#children.forgetIncarnation(child);
    this.#children.setState(child, 'starting');
    this.#exited(child, { kind: 'crash', error });
  }

  /** Ends a caller's start that has not taken (the child is being stopped); returns where the child goes back to. */
  #abandonRequest(child: ChildRecord, why: string): 'remove' | 'terminate' {
    const rollback = child.requested ?? 'terminate';
    child.requested = undefined;
    if (child.state === 'starting') child.incarnation -= 1;
    const error = new ChildStartFailedError(child.spec.id, why);
    this.#emit({ type: 'supervisor.child_start_failed', childId: child.spec.id, error });
    this.#answers.start(child, { ok: false, id: child.spec.id, failure: 'start_failed', error });
    return rollback;
  }

  /** A start a caller asked for failed: the caller's error, and the child back where it was. */
  #startRefused(child: ChildRecord, error: unknown, rollback: 'remove' | 'terminate'): void {
    child.requested = undefined;
    child.incarnation -= 1;
    this.#emit({ type: 'supervisor.child_start_failed', childId: child.spec.id, error });
    const refusal = new ChildStartFailedError(child.spec.id, startFailure(error), error);
    this.#answers.start(child, { ok: false, id: child.spec.id, failure: 'start_failed', error: refusal });
    if (this.#isCurrent('start', child)) this.#current = undefined;
    this.#settle(child, rollback);
    this.#pump();
  }

  #runStop(step: Step & { op: 'stop' }): void {
    const { child } = step;
    if (!child.listed) return;
    if (!child.ref) {
      // OTP's terminate_children takes the exit of a child that ended before its turn as its stop.
      if (child.endedBeforeTurn) this.#emit(stoppedEvent(child, child.endedBeforeTurn));
      return this.#settle(child, child.after);
    }
    const shutdown = child.spec.shutdown ?? (child.spec.kind === 'supervisor' ? 'infinity' : 5);
    if (shutdown === 'brutal_kill') {
      this.#kill(child, 'brutal', 'its shutdown is brutal_kill; stopped outright without asking');
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

  /**
   * `exitedAt`: when the child says it ended, if before it could report it (a worker's process
   * exits before its output is on disk). The exit is dated then, within the child's life: a
   * restart counted when it was heard of would let exits reported late slip out of the
   * intensity's window.
   */
  #exited(child: ChildRecord, reason: ExitReason, exitedAt?: number): void {
    const at = Math.min(this.#clock.now(), Math.max(child.startedAt, exitedAt ?? Number.POSITIVE_INFINITY));
    const expected = child.state === 'stopping';
    const wasStarting = child.state === 'starting';
    this.#children.forgetIncarnation(child);
    if (wasStarting && child.requested) {
      return this.#startRefused(child, reason.kind === 'crash' ? reason.error : reason, child.requested);
    }
    child.lastExit = { reason, at };
    this.#children.touch(child);
    this.#emit({ type: 'supervisor.child_exited', childId: child.spec.id, exit: reason, expected, uptimeMs: Math.round(at - child.startedAt) });

    if (expected) {
      if (this.#isCurrent('stop', child)) {
        this.#scope.system.scheduler.cancel(this.#scope.self, shutdownTimerId(child));
        this.#emit(stoppedEvent(child, reason));
        this.#stopCompleted(child);
        return;
      }
      // Otherwise its queued stop step will find it gone, report this exit and settle it.
      child.endedBeforeTurn = reason;
      return;
    }
    if (wasStarting) {
      this.#emit({ type: 'supervisor.child_start_failed', childId: child.spec.id, error: reason.kind === 'crash' ? reason.error : reason });
      if (this.#isCurrent('start', child)) this.#current = undefined;
    }
    if (this.#phase === 'running') this.#decide(child, reason, at);
    this.#pump();
  }

  /** `at`: when the child exited. */
  #decide(child: ChildRecord, reason: ExitReason, at: number): void {
    const restart = child.spec.restart ?? 'permanent';
    if (restart === 'temporary' || (restart === 'transient' && reason.kind !== 'crash')) {
      this.#settle(child, restart === 'temporary' ? 'remove' : 'terminate');
      if (child.spec.significant) this.#significantExited(child);
      return;
    }
    const backoff = child.spec.backoff ?? this.#options.backoff ?? immediate;
    if (at - child.startedAt >= resetAfter(backoff) * 1000) child.failures = 0;
    child.failures += 1;
    if (!this.#restarts.admit(at)) {
      const { intensity, period } = this.#restarts.limit;
      this.#emit({ type: 'supervisor.gave_up', childId: child.spec.id, restarts: this.#restarts.count, intensity, period });
      this.#settle(child, 'terminate');
      return this.shutdown('gave_up');
    }
    const token = this.#nextToken++;
    const delayMs = backoffDelay(backoff, child.failures, this.#random);
    const restarting: ChildRecord[] = [];
    for (const member of this.#restartGroup(child).reverse()) {
      member.startSeq += 1; // withdraws a queued start
      // A sibling whose start a caller asked for has not started yet, as far as OTP's blocking
      // start_child is concerned: its start is abandoned, not restarted.
      const rollback = member.requested === undefined ? undefined : this.#abandonRequest(member, 'stopped before it was ready, when its group restarted');
      const after: AfterStop = rollback ?? (member.spec.restart === 'temporary' ? 'remove' : 'restart');
      if (after === 'restart') restarting.push(member);
      member.restartToken = token;
      if (member.state === 'stopping') {
        // Its stop is already under way (terminateChild, an earlier group): it ends restarted.
        member.after = after;
      } else if (member.ref) {
        this.#markStopping(member, after);
        this.#queue.push({ op: 'stop', child: member });
      } else {
        this.#settle(member, after);
      }
    }
    restarting.reverse();
    this.#restartGroups.set(token, restarting);
    this.#emit({
      type: 'supervisor.child_restarting',
      childId: child.spec.id,
      group: restarting.map((m) => m.spec.id),
      delayMs,
      attempt: child.failures,
    });
    this.#queue.push({ op: 'schedule', token, delayMs });
  }

  /**
   * The failed child and the siblings its strategy restarts with it, in start order: every
   * sibling in range, including one stopped with terminateChild, since OTP's restart starts the
   * whole range again (start_children over the list, whatever each child's pid was).
   */
  #restartGroup(child: ChildRecord): ChildRecord[] {
    const strategy = this.#options.strategy ?? 'one_for_one';
    if (strategy === 'one_for_one') return [child];
    return Array.from(this.#children.forward(strategy === 'one_for_all' ? undefined : child));
  }

  #significantExited(child: ChildRecord): void {
    const mode = this.#options.autoShutdown ?? 'never';
    if (mode === 'never') return;
    if (mode === 'any_significant' || this.#children.liveSignificant === 0) {
      this.#emit({ type: 'supervisor.auto_shutdown', childId: child.spec.id });
      this.shutdown('auto_shutdown');
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  #isCurrent(op: 'start' | 'stop', child: ChildRecord): boolean {
    const current = this.#current;
    return current !== undefined && current.op === op && current.child === child;
  }

  #stopCompleted(child: ChildRecord): void {
    if (this.#isCurrent('stop', child)) this.#current = undefined;
    this.#settle(child, child.after);
    this.#pump();
  }

  #markStopping(child: ChildRecord, after: AfterStop): void {
    // A child still waiting for its ready predicate holds the step; a stop ends that wait, or
    // the stop queued behind it would never run and the supervisor would be wedged.
    if (this.#isCurrent('start', child)) {
      child.readySubscription?.unsubscribe();
      child.readySubscription = undefined;
      this.#current = undefined;
    }
    this.#children.setState(child, 'stopping');
    child.after = after;
  }

  #settle(child: ChildRecord, after: AfterStop): void {
    child.endedBeforeTurn = undefined;
    this.#answers.stopped(child);
    // A template supervisor keeps no spec for a child that ended: OTP's simple_one_for_one deletes it.
    if (after === 'remove' || (this.#template && after === 'terminate')) return this.#children.remove(child);
    this.#children.setState(child, after === 'restart' ? 'backoff' : 'terminated');
  }

  #kill(child: ChildRecord, how: 'brutal' | 'timeout', reason: string): void {
    const { ref } = child;
    this.#children.forgetIncarnation(child);
    if (ref) this.#scope.stopChild(ref);
    this.#emit({ type: 'supervisor.child_stopped', childId: child.spec.id, how, reason });
  }

  #emit(event: SupervisorEmitted): void {
    this.#scope.emit(event);
  }
}

/**
 * `child_stopped` for a child that ended while being stopped: `killed` when it says it ended what
 * it ran by force (a worker's SIGKILL at its shutdownTimeLimit), `crashed` when it crashed (OTP's
 * shutdown_error: an exit other than shutdown during a stop).
 */
function stoppedEvent(child: ChildRecord, reason: ExitReason): SupervisorEmitted {
  if (reason.kind === 'shutdown' && reason.killed === true) {
    return { type: 'supervisor.child_stopped', childId: child.spec.id, how: 'killed', reason: reason.reason ?? 'it ended what it ran by force' };
  }
  if (reason.kind === 'crash') {
    const error = reason.error instanceof Error ? reason.error.message : String(reason.error);
    return { type: 'supervisor.child_stopped', childId: child.spec.id, how: 'crashed', reason: `it crashed while being stopped: ${error}` };
  }
  return { type: 'supervisor.child_stopped', childId: child.spec.id, how: 'graceful' };
}

function restartTimerId(token: number): string {
  return `supervisor.restart.${token}`;
}

function shutdownTimerId(child: ChildRecord): string {
  return `supervisor.shutdown.${child.actorId ?? child.spec.id}`;
}
