import type { ActorLogic, ActorSystem } from 'xstate';
import { SupervisorRuntime, type SupervisorInternalEvent, type Template } from './internal/SupervisorRuntime.ts';
import type { ChildCommand, SupervisorCommand, SupervisorEmitted } from './SupervisorEvent.ts';
import { validateSupervisorOptions, type SupervisorOptions } from './SupervisorOptions.ts';
import type { SupervisorSnapshot } from './SupervisorSnapshot.ts';

/** Events a supervisor's transition handles: commands, its own timers, and its children's exits. */
export type SupervisorEvent =
  | SupervisorCommand
  | SupervisorInternalEvent
  | { readonly type: `xstate.done.actor.${string}`; readonly output?: unknown }
  | { readonly type: `xstate.error.actor.${string}`; readonly error?: unknown }
  | { readonly type: 'xstate.stop' };

// xstate's own AnyActorSystem is ActorSystem<any>, which it does not export.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SupervisorLogic = ActorLogic<SupervisorSnapshot, SupervisorEvent, void, ActorSystem<any>, SupervisorEmitted>;

const runtimes = new WeakMap<SupervisorSnapshot, SupervisorRuntime>();

/** The runtime behind a supervisor's snapshot, for lookups that must not list every child. */
export function runtimeOf(snapshot: SupervisorSnapshot): SupervisorRuntime | undefined {
  return runtimes.get(snapshot);
}

/**
 * Supervision over any xstate actors, with OTP's semantics: strategies, restart types, restart
 * intensity, ordered start and reverse-order stop, escalation. The result is actor logic, so a
 * supervisor runs with `createActor` and nests as a child of another supervisor. Options are
 * validated here; a wrong one throws `InvalidSupervisorOptionError` naming it.
 *
 * Each decision is emitted (`actor.on('supervisor.child_restarting', …)`). When it exceeds its
 * restart intensity, the supervisor stops its children in reverse order and ends with the output
 * `{ exit: 'shutdown', reason: 'gave_up' }`, and its own supervisor applies its policy.
 *
 * @example
 * const supervisor = createActor(
 *   createSupervisor({
 *     strategy: 'one_for_one',
 *     intensity: 3,
 *     period: 60,
 *     children: [{ id: 'cache', logic: cacheMachine }, { id: 'web', logic: webMachine }],
 *   }),
 *   { clock },
 * ).start();
 */
export function createSupervisor(options: SupervisorOptions = {}): SupervisorLogic {
  validateSupervisorOptions(options);
  return supervisorLogic({ ...options, children: [...(options.children ?? [])] }, undefined);
}

/** The logic behind both kinds of supervisor; `template` makes a template supervisor's children. */
export function supervisorLogic(frozen: SupervisorOptions, template: Template | undefined): SupervisorLogic {
  const snapshotOf = (runtime: SupervisorRuntime, status: 'active' | 'done' | 'stopped') => {
    const snapshot = runtime.snapshot(status);
    runtimes.set(snapshot, runtime);
    return snapshot;
  };

  return {
    config: frozen,
    getInitialSnapshot: (scope) => snapshotOf(new SupervisorRuntime(frozen, scope, template), 'active'),
    start: (_snapshot, scope) => scope.self.send({ type: 'supervisor.init' }),
    transition: (snapshot, event) => {
      const runtime = runtimes.get(snapshot);
      if (!runtime || snapshot.status !== 'active') return snapshot;
      if (event.type === 'xstate.stop') {
        runtime.stopOutright();
        return snapshotOf(runtime, 'stopped');
      }
      if (!runtime.childEvent(event.type, event as { output?: unknown; error?: unknown })) handle(runtime, event);
      return snapshotOf(runtime, runtime.phase === 'stopped' ? 'done' : 'active');
    },
    getPersistedSnapshot: (snapshot) => {
      // Live children cannot be persisted; what persists is the view, for inspection.
      const { status, output, error, phase, restartsInPeriod } = snapshot;
      const children = snapshot.children.map(({ ref: _ref, ...child }) => child);
      return { status, output, error, phase, restartsInPeriod, children } as never;
    },
  };
}

function handle(runtime: SupervisorRuntime, event: SupervisorEvent): void {
  if (runtime.phase !== 'running' && isChildCommand(event)) {
    return runtime.refuseNotRunning(event, idOf(event));
  }
  switch (event.type) {
    case 'supervisor.init':
      return runtime.init();
    case 'supervisor.child_ready':
      return runtime.childReady(event.actorId);
    case 'supervisor.shutdown_timeout':
      return runtime.shutdownTimedOut(event.actorId);
    case 'supervisor.restart_due':
      return runtime.restartDue(event.token);
    case 'supervisor.start_child':
      return runtime.startChild(event.spec, event);
    case 'supervisor.start_template_child':
      return runtime.startTemplateChild(event.args, event);
    case 'supervisor.terminate_child':
      return runtime.terminateChild(event.id, event);
    case 'supervisor.restart_child':
      return runtime.restartChild(event.id, event);
    case 'supervisor.delete_child':
      return runtime.deleteChild(event.id, event);
    case 'portico.shutdown':
      return runtime.shutdown('shutdown');
    case 'xstate.stop':
      // Taken before any other event, in the transition itself.
      return;
  }
}

const childCommands: ReadonlySet<string> = new Set<ChildCommand['type']>([
  'supervisor.start_child',
  'supervisor.start_template_child',
  'supervisor.terminate_child',
  'supervisor.restart_child',
  'supervisor.delete_child',
]);

function isChildCommand(event: SupervisorEvent): event is ChildCommand {
  return childCommands.has(event.type);
}

function idOf(command: ChildCommand): string {
  if (command.type === 'supervisor.start_child') return String(command.spec?.id);
  return command.type === 'supervisor.start_template_child' ? '' : command.id;
}
