import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, type AnyActorRef } from 'xstate';
import { deleteChild, restartChild, startChild, stopSupervisor, terminateChild, type ChildCommandResult, type RestartType, type SupervisorRef } from '@portico/supervisor';
import {
  AdvanceCommand,
  assertQuiescent,
  assertSimulation,
  buildSupervisionTree,
  findChild,
  recordTreeEvents,
  runSimulatedModel,
  Simulation,
  supervisionTreeArbitrary,
  trackActors,
  type ActorTracker,
  type FaultAction,
  type SupervisorNodeSpec,
  testChild,
  type TimedEvent,
  type WorkerNodeSpec,
} from '../src/index.ts';
import { OtpTreeModel, type ExitKind } from './otpTreeModel.ts';

/**
 * The real side of the OTP model property: a generated tree of test children on a simulation,
 * with every supervisor's events, the children's log and a switch that makes chosen starts fail.
 */
interface Tree {
  readonly sim: Simulation;
  readonly root: SupervisorRef;
  readonly events: TimedEvent[];
  readonly actors: ActorTracker;
  readonly log: string[];
  readonly failing: Set<string>;
  /** Whether any supervisor of the tree has a backoff. */
  readonly backoff: boolean;
  /** Unused: exits come through `WorkerExit`, which keeps the model in step and has exit kinds the kit's faults do not. */
  inject(fault: FaultAction): void;
}

function plant(spec: SupervisorNodeSpec): Tree {
  const sim = new Simulation({ seed: 1 });
  const log: string[] = [];
  const failing = new Set<string>();
  const root = createActor(buildSupervisionTree(spec, log, { startFails: (id) => failing.delete(id) }), { clock: sim.clock });
  const events = recordTreeEvents(root, sim.clock);
  const actors = trackActors(root);
  root.start();
  const hasBackoff = (node: SupervisorNodeSpec): boolean => node.policy.backoff !== undefined || node.children.some((c) => c.kind === 'supervisor' && hasBackoff(c));
  return { sim, root, events, actors, log, failing, backoff: hasBackoff(spec), inject: () => {} };
}

/**
 * Lets the tree finish what it does now: without backoff, runs the simulation until no timer is
 * left (a stop waiting out a shutdown time); with backoff (in a tree whose stops are immediate),
 * fires only what is due now, as the timers left are restarts waiting out their backoff.
 */
async function settle(tree: Tree): Promise<void> {
  if (tree.backoff) await tree.sim.advance(0);
  else await tree.sim.runUntil(() => tree.sim.clock.pendingTimers === 0);
}

/** The real events, as the model writes them, by supervisor path (every incarnation in one list). */
function realEvents(tree: Tree): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const event of tree.events) {
    const path = event.sessionId === tree.root.sessionId ? 'root' : String(event.actorId).replace(/#\d+$/, '');
    let list = byPath.get(path);
    if (!list) byPath.set(path, (list = []));
    list.push(`t=${event.at} ${describe(event)}`);
  }
  return byPath;
}

function describe(event: TimedEvent): string {
  const e = event as TimedEvent & {
    childId: string;
    exit: { kind: string };
    expected: boolean;
    group: string[];
    delayMs: number;
    attempt: number;
    how: string;
    restarts: number;
    reason: string;
    incarnation: number;
  };
  switch (e.type) {
    case 'supervisor.child_started':
      return `started ${e.childId} #${e.incarnation}`;
    case 'supervisor.child_start_failed':
      return `start_failed ${e.childId}`;
    case 'supervisor.child_exited':
      return `exited ${e.childId} ${e.exit.kind}${e.expected ? ' expected' : ''}`;
    case 'supervisor.child_restarting':
      return `restarting ${e.childId} [${e.group.join(',')}] +${e.delayMs}ms #${e.attempt}`;
    case 'supervisor.child_stopped':
      return `stopped ${e.childId} ${e.how}`;
    case 'supervisor.gave_up':
      return `gave_up ${e.childId} ${e.restarts}`;
    case 'supervisor.auto_shutdown':
      return `auto_shutdown ${e.childId}`;
    case 'supervisor.command_rejected':
      return `rejected ${String(e.command).replace('supervisor.', '')}`;
    case 'supervisor.stopped':
      return `supervisor_stopped ${e.reason}`;
    default:
      return `${e.type} ${JSON.stringify(e)}`;
  }
}

/** `path/id@incarnation:state` for every child of the real tree, depth first. */
function realStates(sup: AnyActorRef, path: string, lines: string[] = []): string[] {
  const children = (sup.getSnapshot() as { children: readonly { id: string; kind: string; incarnation: number; state: string; ref: AnyActorRef | undefined }[] }).children;
  for (const child of children) {
    lines.push(`${path}/${child.id}@${child.incarnation}:${child.state}`);
    if (child.kind === 'supervisor' && child.ref) realStates(child.ref, child.id, lines);
  }
  return lines;
}

/** After every command the real tree must be where the model is: same events, log, states and time. */
function agree(model: OtpTreeModel, tree: Tree): void {
  const real = realEvents(tree);
  for (const path of new Set([...model.events.keys(), ...real.keys()])) {
    assert.deepEqual(real.get(path) ?? [], model.events.get(path) ?? [], `events of supervisor ${path}`);
  }
  assert.deepEqual(tree.log, model.log, 'the test children started and stopped as OTP would');
  assert.equal(tree.sim.clock.now(), model.now, 'the tree is idle when the model is');
  assert.equal(tree.root.getSnapshot().status === 'done', model.done, 'the root ended when the model did');
  if (!model.done) assert.deepEqual(realStates(tree.root, 'root'), model.states());
}

type Command = fc.AsyncCommand<OtpTreeModel, Tree>;

/** A worker ends on its own: a crash (it throws), a normal exit or a shutdown exit. */
class WorkerExit implements Command {
  readonly index: number;
  readonly kind: ExitKind;
  constructor(index: number, kind: ExitKind) {
    this.index = index;
    this.kind = kind;
  }
  check = (m: Readonly<OtpTreeModel>) => m.runningWorkers().length > 0;
  async run(m: OtpTreeModel, tree: Tree): Promise<void> {
    const workers = m.runningWorkers();
    const { id } = workers[this.index % workers.length]!;
    const ref = findChild(tree.root, id);
    assert.ok(ref, `worker ${id} runs, as the model says`);
    tree.sim.note(`${this.kind} ${id}`);
    ref.send({ type: this.kind === 'crash' ? 'test.crash' : this.kind === 'normal' ? 'test.exit' : 'test.exit_shutdown' });
    m.exit(id, this.kind);
    await settle(tree);
  }
  toString = () => `${this.kind}(worker ${this.index})`;
}

/** The next start of a worker fails (`OtpTreeModel.failable` says which may). */
class FailNextStart implements Command {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  #id(m: Readonly<OtpTreeModel>): string | undefined {
    const workers = m.failable();
    return workers[this.index % Math.max(1, workers.length)];
  }
  check = (m: Readonly<OtpTreeModel>) => !m.done && this.#id(m) !== undefined;
  async run(m: OtpTreeModel, tree: Tree): Promise<void> {
    const id = this.#id(m)!;
    m.failing.add(id);
    tree.failing.add(id);
    await settle(tree);
  }
  toString = () => `failNextStart(worker ${this.index})`;
}

/** The live actor of the model's supervisor `path`. */
function supervisorRef(tree: Tree, path: string): SupervisorRef {
  const ref = path === 'root' ? tree.root : findChild(tree.root, path);
  assert.ok(ref, `supervisor ${path} runs, as the model says`);
  return ref as SupervisorRef;
}

/**
 * A caller's command on a child of any running supervisor (`sup` picks it, depth first):
 * terminateChild, restartChild or deleteChild, with OTP's answers.
 */
class ChildCommand implements Command {
  readonly sup: number;
  readonly index: number;
  readonly command: 'terminate' | 'restart' | 'delete';
  constructor(sup: number, index: number, command: 'terminate' | 'restart' | 'delete') {
    this.sup = sup;
    this.index = index;
    this.command = command;
  }
  #target(m: Readonly<OtpTreeModel>) {
    const sups = m.runningSupervisors().filter((s) => s.children.length > 0);
    const sup = sups[this.sup % Math.max(1, sups.length)];
    return sup && { sup, child: sup.children[this.index % sup.children.length]! };
  }
  check = (m: Readonly<OtpTreeModel>) => this.#target(m) !== undefined;
  async run(m: OtpTreeModel, tree: Tree): Promise<void> {
    const { sup, child } = this.#target(m)!;
    const id = child.spec.id;
    tree.sim.note(`${this.command}Child ${id}`);
    const ref = supervisorRef(tree, sup.path);
    const ask = { terminate: terminateChild, restart: restartChild, delete: deleteChild }[this.command];
    const answer: ChildCommandResult = await tree.sim.until(ask(ref, id));
    let expected: string;
    if (this.command === 'terminate') {
      // OTP terminate_child: stopped within its shutdown time, not restarted; a temporary child is removed.
      if (child.state === 'running') sup.stop(child);
      child.state = 'terminated';
      if (child.spec.restart === 'temporary') sup.children = sup.children.filter((c) => c !== child);
      expected = 'ok';
    } else if (child.state !== 'terminated') {
      expected = child.state === 'backoff' ? 'restarting' : 'running';
      sup.emit(`rejected ${this.command}_child`);
    } else if (this.command === 'delete') {
      sup.children = sup.children.filter((c) => c !== child);
      expected = 'ok';
    } else if (sup.start(child)) {
      expected = 'ok';
      // A child supervisor that gave up as it started has started all the same: then it exits.
      sup.run();
    } else {
      // OTP restart_child: the caller gets the error and nothing changes, no restart is counted.
      child.incarnation--;
      sup.emit(`start_failed ${id}`);
      expected = 'start_failed';
    }
    assert.equal(answer.ok ? 'ok' : answer.failure, expected, `${this.command}Child(${id})`);
    await settle(tree);
  }
  toString = () => `${this.command}Child(supervisor ${this.sup}, child ${this.index})`;
}

/** startChild of a new worker on any running supervisor; its start may fail (then nothing changes). */
class StartDynamic implements Command {
  readonly sup: number;
  readonly worker: Omit<WorkerNodeSpec, 'id' | 'kind'>;
  readonly fails: boolean;
  constructor(sup: number, worker: Omit<WorkerNodeSpec, 'id' | 'kind'>, fails: boolean) {
    this.sup = sup;
    this.worker = worker;
    this.fails = fails;
  }
  #sup(m: Readonly<OtpTreeModel>) {
    const sups = m.runningSupervisors().filter((s) => s.children.length < 5);
    return sups[this.sup % Math.max(1, sups.length)];
  }
  check = (m: Readonly<OtpTreeModel>) => this.#sup(m) !== undefined;
  async run(m: OtpTreeModel, tree: Tree): Promise<void> {
    const sup = this.#sup(m)!;
    const id = `${sup.path === 'root' ? '' : `${sup.path}.`}d${++m.seq}`;
    // A tree whose stops are immediate stays so (the model's backoff and nested failures need it).
    const spec: WorkerNodeSpec = { kind: 'worker', id, ...this.worker, ...(OtpTreeModel.immediateStops(m.root.spec) ? { graceful: true } : {}) };
    if (this.fails) {
      m.failing.add(id);
      tree.failing.add(id);
    }
    tree.sim.note(`startChild ${id}`);
    const input = { name: id, log: tree.log, graceful: spec.graceful, startFails: () => tree.failing.delete(id) };
    const answer = await tree.sim.until(startChild(supervisorRef(tree, sup.path), { id, logic: testChild, restart: spec.restart, shutdown: spec.shutdown, input }));
    const child = { spec, state: 'terminated' as const, incarnation: 0, sup: undefined, startedAt: 0, failures: 0, token: 0, group: 0 };
    sup.children.push(child);
    let expected = 'ok';
    if (!sup.start(child)) {
      // OTP start_child: the caller gets the error and nothing changes.
      sup.children = sup.children.filter((c) => c !== child);
      sup.emit(`start_failed ${id}`);
      expected = 'start_failed';
    }
    assert.equal(answer.ok ? 'ok' : answer.failure, expected, `startChild(${id})`);
    await settle(tree);
  }
  toString = () => `startChild(supervisor ${this.sup}, ${this.worker.restart}${this.worker.graceful ? '' : ', ignores shutdown'}, ${this.worker.shutdown}${this.fails ? ', fails' : ''})`;
}

/** The property's commands by name, for a counterexample kept as a regression case. */
export const otpCommands = {
  exit: (worker: number, kind: ExitKind): Command => new WorkerExit(worker, kind),
  advance: (ms: number): Command => new AdvanceCommand<OtpTreeModel, Tree>(ms, (m, advanced) => m.advance(advanced)),
  failNextStart: (worker: number): Command => new FailNextStart(worker),
  child: (sup: number, child: number, command: 'terminate' | 'restart' | 'delete'): Command => new ChildCommand(sup, child, command),
  startChild: (sup: number, worker: Omit<WorkerNodeSpec, 'id' | 'kind'>, fails = false): Command => new StartDynamic(sup, worker, fails),
};

const commands = fc.commands(
  [
    fc.tuple(fc.nat(9), fc.constantFrom<ExitKind>('crash', 'crash', 'normal', 'shutdown')).map(([i, kind]) => otpCommands.exit(i, kind)),
    fc.oneof(fc.integer({ min: 1, max: 8_000 }), fc.constantFrom(500, 1_000, 5_000)).map((ms) => otpCommands.advance(ms)),
    fc.nat(9).map((i) => otpCommands.failNextStart(i)),
    fc.tuple(fc.nat(9), fc.nat(9), fc.constantFrom('terminate' as const, 'restart' as const, 'delete' as const)).map(([s, i, c]) => otpCommands.child(s, i, c)),
    fc
      .tuple(
        fc.nat(9),
        fc.record({ restart: fc.constantFrom<RestartType>('permanent', 'transient', 'temporary'), graceful: fc.boolean(), shutdown: fc.constantFrom<number | 'brutal_kill'>(0.5, 2, 'brutal_kill') }),
        fc.boolean(),
      )
      .map(([s, worker, fails]) => otpCommands.startChild(s, worker, fails)),
  ],
  { maxCommands: 50, size: 'max' },
);

/** The tree without any backoff: OTP's immediate restarts. */
function withoutBackoff(spec: SupervisorNodeSpec): SupervisorNodeSpec {
  const { backoff: _backoff, ...policy } = spec.policy;
  return { ...spec, policy, children: spec.children.map((c) => (c.kind === 'supervisor' ? withoutBackoff(c) : c)) };
}

// Backoff (Portico's, beyond OTP) only where every stop is immediate: a restart waiting out its
// backoff then never meets a stop waiting out a shutdown time, which this sequential model leaves out.
const trees = supervisionTreeArbitrary({ maxDepth: 2, maxChildren: 3, autoShutdown: true, supervisorShutdowns: true, policy: { maxIntensity: 3, maxPeriod: 20 } });
const scenario = fc.tuple(
  trees.map((spec) => (OtpTreeModel.immediateStops(spec) ? spec : withoutBackoff(spec))),
  commands,
);

/**
 * Generated trees (two levels of supervisors below the root, every strategy, restart type,
 * intensity and shutdown) under random exits of every kind, failed starts, terminate and restart
 * commands and steps of time, against `OtpTreeModel`; after the last command the root is stopped
 * and must stop everything in reverse order, leaving no actor or timer. Resolves to fast-check's
 * run details; `params` bound it (a seed and numRuns in the unit tier).
 */
export async function checkTreesAgainstOtp(params: { seed?: number; numRuns: number; interruptAfterTimeLimit?: number }, stats = { commands: 0 }): Promise<fc.RunDetails<unknown>> {
  return (await assertSimulation(
    fc.asyncProperty(scenario, ([spec, cmds]) => runTreeAgainstOtp(spec, cmds, stats)),
    params,
  )) as fc.RunDetails<unknown>;
}

/**
 * One tree under `cmds` against `OtpTreeModel`, then the root's stop: the property's body, and a
 * kept counterexample's replay (the commands made with `otpCommands`).
 */
export async function runTreeAgainstOtp(spec: SupervisorNodeSpec, cmds: Iterable<Command>, stats = { commands: 0 }): Promise<void> {
  await runSimulatedModel(() => ({ model: new OtpTreeModel(spec), real: plant(spec) }), cmds, {
    stats,
    invariants: [agree],
    teardown: async (model, tree) => {
      // Checked first as it stands after the last command, then through the stop.
      agree(model, tree);
      if (!model.done) {
        model.root.shutdown('shutdown');
        model.done = true;
      }
      await tree.sim.until(stopSupervisor(tree.root));
      agree(model, tree);
      assertQuiescent({ clock: tree.sim.clock, actors: tree.actors }, { trace: tree.sim.trace });
    },
  });
}
