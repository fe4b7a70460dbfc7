import { waitFor, type ActorRefFrom } from 'xstate';
import type { ChildCommandResult } from './ChildCommandResult.ts';
import type { ChildSpec } from './ChildSpec.ts';
import { runtimeOf, type SupervisorLogic } from './createSupervisor.ts';
import { SupervisorNotRunningError } from './errors.ts';
import type { ChildCommand, CommandReplyTarget } from './SupervisorEvent.ts';
import type { ChildCounts, ChildInfo } from './SupervisorSnapshot.ts';

/** A running supervisor, as `createActor(createSupervisor(…))` returns it. */
export type SupervisorRef = ActorRefFrom<SupervisorLogic>;

/**
 * The children, in start order, with their state, restart counts and last exit (OTP
 * which_children). Listing costs time in proportion to the number of children; to look at one
 * child, use `whichChild`.
 */
export function whichChildren(supervisor: SupervisorRef): readonly ChildInfo[] {
  return supervisor.getSnapshot().children;
}

/** One child as `whichChildren` shows it, or undefined when there is none with that id (OTP which_child). */
export function whichChild(supervisor: SupervisorRef, id: string): ChildInfo | undefined {
  const snapshot = supervisor.getSnapshot();
  const runtime = runtimeOf(snapshot);
  return runtime ? runtime.childInfo(id) : snapshot.children.find((child) => child.id === id);
}

/** The spec a child was started with, or undefined when there is none with that id (OTP get_childspec). */
export function getChildSpec(supervisor: SupervisorRef, id: string): ChildSpec | undefined {
  return runtimeOf(supervisor.getSnapshot())?.childSpec(id);
}

/**
 * How many children a supervisor holds (OTP count_children): `specs` (every child it holds a
 * spec for), `active` (with a live actor), and the specs by kind, `supervisors` and `workers`.
 */
export function countChildren(supervisor: SupervisorRef): ChildCounts {
  const snapshot = supervisor.getSnapshot();
  return runtimeOf(snapshot)?.counts() ?? { specs: 0, active: 0, supervisors: 0, workers: 0 };
}

/**
 * Adds a child at the end of the start order and starts it (OTP start_child). Resolves once the
 * child has started (for a child with `ready`, once it is ready) to `{ ok: true, ref }`, or to a
 * failure: `invalid_spec`, `already_started` (with the live `ref`), `already_present` (the id has
 * a spec but no live child), `start_failed` (its start threw, errored, or it ended or was stopped
 * before it was ready: nothing changed, the child is not added) or `not_running`. Never rejects.
 *
 * @example
 * const result = await startChild(supervisor, { id: 'cache', logic: cacheMachine });
 * if (!result.ok) console.error(result.failure, result.error.message);
 */
export function startChild(supervisor: SupervisorRef, spec: ChildSpec): Promise<ChildCommandResult> {
  return ask(supervisor, String(spec?.id), (replyTo) => ({ type: 'supervisor.start_child', spec, replyTo }));
}

/**
 * Starts a child of a template supervisor (`createTemplateSupervisor`) from its template, with
 * `args` for the template's `input` (OTP simple_one_for_one start_child). Resolves like
 * `startChild`, with the new child's generated `id`; `invalid_spec` on a supervisor without a
 * template, or when the template's `input` throws for these arguments.
 */
export function startTemplateChild(supervisor: SupervisorRef, args: unknown): Promise<ChildCommandResult> {
  return ask(supervisor, '', (replyTo) => ({ type: 'supervisor.start_template_child', args, replyTo }));
}

/**
 * Stops a child within its shutdown time and keeps its spec; a temporary child is removed (OTP
 * terminate_child). Resolves once the child has stopped, or to `not_found` / `not_running`.
 */
export function terminateChild(supervisor: SupervisorRef, id: string): Promise<ChildCommandResult> {
  return ask(supervisor, id, (replyTo) => ({ type: 'supervisor.terminate_child', id, replyTo }));
}

/**
 * Starts a terminated child again (OTP restart_child). Resolves once it has started, or to
 * `not_found`, `running`, `restarting` (it waits out a backoff), `start_failed` (it stays
 * terminated) or `not_running`.
 */
export function restartChild(supervisor: SupervisorRef, id: string): Promise<ChildCommandResult> {
  return ask(supervisor, id, (replyTo) => ({ type: 'supervisor.restart_child', id, replyTo }));
}

/** Removes a terminated child's spec (OTP delete_child); `not_found`, `running` or `restarting` otherwise. */
export function deleteChild(supervisor: SupervisorRef, id: string): Promise<ChildCommandResult> {
  return ask(supervisor, id, (replyTo) => ({ type: 'supervisor.delete_child', id, replyTo }));
}

/**
 * Stops every child in reverse start order, each within its shutdown time, and resolves when the
 * supervisor has ended. Idempotent: a second call waits for the same end.
 */
export async function stopSupervisor(supervisor: SupervisorRef): Promise<void> {
  if (supervisor.getSnapshot().status === 'active') supervisor.send({ type: 'portico.shutdown' });
  await waitFor(supervisor, (snapshot) => snapshot.status !== 'active', { timeout: Number.POSITIVE_INFINITY });
}

interface Caller {
  readonly id: string;
  answer(result: ChildCommandResult): void;
}

/** Callers still waiting on each supervisor, told `not_running` should it end without answering. */
const waiting = new WeakMap<SupervisorRef, Set<Caller>>();

function ask(supervisor: SupervisorRef, id: string, command: (replyTo: CommandReplyTarget) => ChildCommand): Promise<ChildCommandResult> {
  const snapshot = supervisor.getSnapshot();
  if (snapshot.status !== 'active' || snapshot.phase !== 'running') {
    return Promise.resolve(notRunning(id, snapshot.status === 'active' ? snapshot.phase : snapshot.status));
  }
  return new Promise((resolve) => {
    const callers = callersOf(supervisor);
    const caller: Caller = {
      id,
      answer: (result) => {
        if (callers.delete(caller)) resolve(result);
      },
    };
    callers.add(caller);
    supervisor.send(command({ send: (answer) => caller.answer(answer.result) }));
  });
}

function callersOf(supervisor: SupervisorRef): Set<Caller> {
  const known = waiting.get(supervisor);
  if (known) return known;
  const callers = new Set<Caller>();
  waiting.set(supervisor, callers);
  // A command still in the mailbox when the supervisor is stopped outright is dropped unanswered
  // (xstate clears the mailbox); its caller is told rather than left waiting.
  const ended = () => {
    subscription.unsubscribe();
    for (const caller of [...callers]) caller.answer(notRunning(caller.id, 'stopped'));
  };
  const subscription = supervisor.subscribe({
    next: (snapshot) => {
      if (snapshot.status !== 'active') ended();
    },
    error: ended,
    complete: ended,
  });
  return callers;
}

function notRunning(id: string, state: string): ChildCommandResult {
  return { ok: false, id, failure: 'not_running', error: new SupervisorNotRunningError(state) };
}
