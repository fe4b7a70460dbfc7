import type { NodeSpec, SupervisorNodeSpec } from '../src/index.ts';

/** How a child ended on its own: OTP's three classes of exit reason. */
export type ExitKind = 'normal' | 'shutdown' | 'crash';

interface ModelChild {
  readonly spec: NodeSpec;
  state: 'running' | 'backoff' | 'terminated';
  incarnation: number;
  /** When its last start was made, and its failures in a row (for the backoff). */
  startedAt: number;
  failures: number;
  /** The group restart it waits for, in `backoff`. */
  token: number;
  /** The last group restart it was made part of (`OtpTreeModel.groups`). */
  group: number;
  /** The running incarnation of a child supervisor. */
  sup: ModelSupervisor | undefined;
}

/**
 * A reference model of OTP's supervisor (supervisor.erl, as docs/supervisor.md states it) for a
 * tree of test children, written from the rules and not from Portico's code. It is a plain
 * synchronous program, as an OTP supervisor is a sequential process: each supervisor handles one
 * exit at a time, to the end (stops in reverse start order, each within its shutdown time, then
 * starts in order), and time moves only while it waits for a child that ignores its shutdown.
 * That holds because the property injects an exit only once the tree is idle, and makes a nested
 * worker's start fail only in a tree whose stops are all immediate (`failable`). Starts queue as
 * OTP's retries do (`pending`): a failed start is a crash whose restart comes after the starts
 * already pending; a child supervisor that gives up during its own start has still started, and
 * its parent takes its exit once its pending starts are made (`late`), as Portico's docs say.
 * Portico's backoff, beyond OTP, is in the model too where every stop is immediate: a group
 * restart then waits on the `agenda` for its delay, and time passes only through it.
 *
 * What it predicts: for every supervisor (by its path in the tree, across its incarnations), the
 * events it emits with their times; the test children's log (`start:`, `shutdown:`, `kill:`,
 * `exit:`); every child's state and incarnation; the time at which the tree is idle again.
 */
export class OtpTreeModel {
  now = 0;
  /** True once the root has given up or stopped. */
  done = false;
  readonly log: string[] = [];
  readonly events = new Map<string, string[]>();
  /** Workers whose next start fails. */
  readonly failing = new Set<string>();
  /** Group restarts waiting out a backoff, in the order their timers were set. */
  agenda: { due: number; seq: number; sup: ModelSupervisor; token: number }[] = [];
  seq = 0;
  /** Group restarts decided so far. */
  groups = 0;
  readonly root: ModelSupervisor;

  constructor(spec: SupervisorNodeSpec) {
    this.root = new ModelSupervisor(spec, this, undefined);
    this.root.init();
  }

  /** True when every stop in the tree is immediate (each worker obeys at once or is brutal_kill). */
  static immediateStops(spec: SupervisorNodeSpec): boolean {
    return spec.children.every((c) => (c.kind === 'worker' ? c.graceful || c.shutdown === 'brutal_kill' : OtpTreeModel.immediateStops(c)));
  }

  /** Time passes: each group restart comes due in turn, at its own time (equal times in the order set). */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.agenda.filter((e) => e.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!due) break;
      this.agenda = this.agenda.filter((e) => e !== due);
      this.now = due.due;
      if (!due.sup.ended) due.sup.restartDue(due.token);
    }
    this.now = target;
  }

  /**
   * Workers a start failure may be given to: any, in a tree whose every stop is immediate, else the
   * root's own. A child supervisor that gives up while it starts is stopping while its parent goes
   * on starting the next children; that concurrency is out of this sequential model, and it
   * arises only where that stop takes time.
   */
  failable(): string[] {
    const all = (spec: SupervisorNodeSpec): NodeSpec[] => spec.children.flatMap((c) => (c.kind === 'worker' ? [c] : all(c)));
    return (OtpTreeModel.immediateStops(this.root.spec) ? all(this.root.spec) : this.root.spec.children.filter((c) => c.kind === 'worker')).map((w) => w.id);
  }

  /** The root and every running child supervisor, depth first: what a caller's command can name. */
  runningSupervisors(): ModelSupervisor[] {
    const found: ModelSupervisor[] = [];
    const walk = (sup: ModelSupervisor) => {
      found.push(sup);
      for (const child of sup.children) if (child.state === 'running' && child.sup && !child.sup.ended) walk(child.sup);
    };
    if (!this.done) walk(this.root);
    return found;
  }

  /** Every running worker, depth first: what a command can make exit. */
  runningWorkers(): { id: string; sup: ModelSupervisor; child: ModelChild }[] {
    const found: { id: string; sup: ModelSupervisor; child: ModelChild }[] = [];
    const walk = (sup: ModelSupervisor) => {
      for (const child of sup.children) {
        if (child.state !== 'running') continue;
        if (child.sup) walk(child.sup);
        else found.push({ id: child.spec.id, sup, child });
      }
    };
    if (!this.done) walk(this.root);
    return found;
  }

  /** The worker `id` ends on its own with `kind`. */
  exit(id: string, kind: ExitKind): void {
    const target = this.runningWorkers().find((w) => w.id === id);
    if (!target) return;
    if (kind !== 'crash') this.log.push(`exit:${id}`);
    target.sup.exited(target.child, kind);
    target.sup.run();
  }

  /** `id@incarnation:state` for every child, depth first, each prefixed by its supervisor's path. */
  states(): string[] {
    const lines: string[] = [];
    const walk = (sup: ModelSupervisor) => {
      for (const child of sup.children) {
        lines.push(`${sup.path}/${child.spec.id}@${child.incarnation}:${child.state}`);
        if (child.sup) walk(child.sup);
      }
    };
    walk(this.root);
    return lines;
  }

  emit(path: string, line: string): void {
    let list = this.events.get(path);
    if (!list) this.events.set(path, (list = []));
    list.push(`t=${this.now} ${line}`);
  }
}

export class ModelSupervisor {
  readonly spec: SupervisorNodeSpec;
  readonly path: string;
  readonly world: OtpTreeModel;
  /** Where it hangs in its parent; undefined for the root. */
  readonly parent: { sup: ModelSupervisor; child: ModelChild } | undefined;
  children: ModelChild[];
  /** Times of the restarts within the window (OTP's `restarts` list). */
  restarts: number[] = [];
  /** Starts still to make, in order: the rest of a start or restart, and retries of failed starts. */
  pending: ModelChild[] = [];
  /** Child supervisors that gave up while they started: their exit is taken once the starts are made. */
  late: ModelChild[] = [];
  /** Late children whose exit was heard while this supervisor stopped, before their stop's turn. */
  readonly heard = new Set<ModelChild>();
  /** True while its own start runs: a give-up then reaches the parent once the parent's starts are made. */
  starting = false;
  ended = false;

  constructor(spec: SupervisorNodeSpec, world: OtpTreeModel, parent: ModelSupervisor['parent']) {
    this.spec = spec;
    this.path = spec.id;
    this.world = world;
    this.parent = parent;
    // A new incarnation starts from its specs: nothing of an earlier one is kept.
    this.children = spec.children.map((child) => ({ spec: child, state: 'terminated', incarnation: 0, sup: undefined, startedAt: 0, failures: 0, token: 0, group: 0 }));
  }

  init(): void {
    this.starting = true;
    this.pending = [...this.children];
    this.run();
    this.starting = false;
  }

  /** Makes the pending starts, then takes the exits that came meanwhile, until none is left. */
  run(): void {
    while (!this.ended) {
      const next = this.pending.shift();
      if (next) {
        if (!this.start(next)) this.exited(next, 'crash', true);
        continue;
      }
      const late = this.late.shift();
      if (!late) return;
      this.exited(late, 'shutdown');
    }
  }

  /** Starts one child; false when its start failed (it stays terminated, its incarnation used). */
  start(child: ModelChild): boolean {
    child.incarnation++;
    child.startedAt = this.world.now;
    const { spec } = child;
    if (spec.kind === 'worker') {
      if (this.world.failing.delete(spec.id)) return false;
      this.world.log.push(`start:${spec.id}`);
    } else {
      // A child supervisor whose own start ends in giving up has still started: it exits after.
      child.sup = new ModelSupervisor(spec, this.world, { sup: this, child });
      child.sup.init();
    }
    child.state = 'running';
    this.emit(`started ${spec.id} #${child.incarnation}`);
    return true;
  }

  /**
   * Stops a running child as OTP's shutdown/2 does, waiting for it when it must, but not past
   * `deadline` (this supervisor's own shutdown time, when its parent is stopping it): false when
   * the deadline came first, and this supervisor is then stopped outright (`kill`).
   */
  stop(child: ModelChild, deadline = Infinity): boolean {
    const { spec } = child;
    if (spec.kind === 'supervisor') {
      const sub = child.sup;
      this.late = this.late.filter((c) => c !== child);
      // One whose exit was heard already has nothing left to kill: its stop takes that exit.
      if (spec.shutdown === 'brutal_kill' && !this.heard.has(child)) {
        if (sub && !sub.ended) sub.kill();
        this.emit(`stopped ${spec.id} brutal`);
      } else {
        const own = typeof spec.shutdown === 'number' ? this.world.now + spec.shutdown * 1000 : Infinity;
        // One that gave up already has ended; its exit is the one this stop waits for, unless it
        // was heard already (`hearLate`).
        if (sub && !sub.ended && !sub.shutdown('shutdown', Math.min(own, deadline))) {
          if (deadline <= own) return false;
          this.emit(`stopped ${spec.id} timeout`);
        } else {
          if (!this.heard.delete(child)) this.emit(`exited ${spec.id} shutdown expected`);
          this.emit(`stopped ${spec.id} graceful`);
        }
      }
    } else if (spec.shutdown === 'brutal_kill') {
      this.world.log.push(`kill:${spec.id}`);
      this.emit(`stopped ${spec.id} brutal`);
    } else if (spec.graceful) {
      this.world.log.push(`shutdown:${spec.id}`);
      this.emit(`exited ${spec.id} shutdown expected`);
      this.emit(`stopped ${spec.id} graceful`);
    } else {
      // The deadline's timer was set first, so at the same time it fires first.
      if (this.world.now + spec.shutdown * 1000 >= deadline) {
        this.world.now = deadline;
        return false;
      }
      this.world.now += spec.shutdown * 1000;
      this.world.log.push(`kill:${spec.id}`);
      this.emit(`stopped ${spec.id} timeout`);
    }
    child.sup = undefined;
    child.state = 'terminated';
    return true;
  }

  /**
   * Stops every child in reverse start order, then ends (OTP terminate/2); false when `deadline`
   * came first and it was stopped outright, its children with it.
   */
  shutdown(reason: 'shutdown' | 'gave_up' | 'auto_shutdown', deadline = Infinity): boolean {
    this.ended = true;
    this.pending = [];
    for (const child of this.children) if (child.state === 'backoff') child.state = 'terminated';
    for (const child of [...this.children].reverse()) {
      if (child.state !== 'running') continue;
      // A stop that waits lets the exits already on their way in first.
      if (child.spec.shutdown !== 'brutal_kill') this.hearLate(this.children);
      if (!this.stop(child, deadline)) {
        this.kill();
        return false;
      }
    }
    this.children = this.children.filter((c) => c.spec.restart !== 'temporary');
    this.emit(`supervisor_stopped ${reason}`);
    return true;
  }

  /**
   * A supervisor stopping children (`stopping`: all of them, or a restart's group) hears the exit
   * of one among them that gave up as it started (`late`) at the first stop it waits for, as the
   * exit was sent before that stop began: the exit is reported then, and the child's stop, at its
   * turn in reverse start order, only completes.
   */
  hearLate(stopping: readonly ModelChild[]): void {
    for (let child = this.late.shift(); child; child = this.late.shift()) {
      if (stopping.includes(child)) {
        this.emit(`exited ${child.spec.id} shutdown expected`);
        this.heard.add(child);
      } else {
        // One it is not stopping exits as any child does: Portico takes exits in turn.
        this.exited(child, 'shutdown');
        if (this.ended) return;
      }
    }
  }

  /** Stopped outright (xstate's stop): every live child is stopped outright at once, in reverse order. */
  kill(): void {
    this.ended = true;
    this.pending = [];
    for (const child of this.children) if (child.state === 'backoff') child.state = 'terminated';
    for (const child of [...this.children].reverse()) {
      if (child.state !== 'running') continue;
      if (child.sup && !child.sup.ended) child.sup.kill();
      else if (child.spec.kind === 'worker') this.world.log.push(`kill:${child.spec.id}`);
      this.emit(`stopped ${child.spec.id} brutal`);
      child.sup = undefined;
      child.state = 'terminated';
    }
  }

  /** A child ended on its own (or failed to start): OTP's restart/2 with the strategy. */
  exited(child: ModelChild, kind: ExitKind, startFailed = false): void {
    const { spec } = child;
    this.emit(`exited ${spec.id} ${kind}`);
    if (startFailed) this.emit(`start_failed ${spec.id}`);
    child.sup = undefined;
    child.state = 'terminated';
    const restart = spec.restart === 'permanent' || (spec.restart === 'transient' && kind === 'crash');
    if (!restart) {
      if (spec.restart === 'temporary') this.children = this.children.filter((c) => c !== child);
      if (spec.significant) this.significantEnded(child);
      return;
    }
    const { strategy, intensity, period, backoff = { min: 0, max: 0 } } = this.spec.policy;
    // Portico's backoff (docs/supervisor.md, Backoff): the failures in a row, reset by an uptime of resetAfter.
    if (this.world.now - child.startedAt >= (backoff.resetAfter ?? (backoff.min + backoff.max) / 2) * 1000) child.failures = 0;
    child.failures++;
    // supervisor.erl keeps a restart while Now =< Then + Period (both ends of the window), in whole
    // seconds; here in the clock's milliseconds, as Portico counts (docs/supervisor.md).
    this.restarts = this.restarts.filter((t) => t >= this.world.now - period * 1000);
    this.restarts.push(this.world.now);
    if (this.restarts.length > intensity) {
      this.emit(`gave_up ${spec.id} ${this.restarts.length}`);
      return this.end('gave_up');
    }
    const index = this.children.indexOf(child);
    const group = this.children.filter((c, i) => c === child || strategy === 'one_for_all' || (strategy === 'rest_for_one' && i > index));
    const restarting = group.filter((c) => c === child || c.spec.restart !== 'temporary');
    const delay = Math.round(Math.min(backoff.max, backoff.min * (backoff.factor ?? 2) ** (child.failures - 1)) * 1000);
    this.emit(`restarting ${spec.id} [${restarting.map((c) => c.spec.id).join(',')}] +${delay}ms #${child.failures}`);
    // OTP's try_again: the group is started after the starts already pending, a failed one again.
    this.pending = this.pending.filter((c) => !group.includes(c));
    const ours = ++this.world.groups;
    for (const member of restarting) member.group = ours;
    for (const member of [...group].reverse()) {
      if (member.state !== 'running') continue;
      if (member.spec.shutdown !== 'brutal_kill') {
        this.hearLate(group);
        // An exit heard meanwhile may have ended this supervisor, or stopped this member in a
        // group of its own: that stop took over this one.
        if (this.ended) return;
        if (member.state !== 'running') continue;
      }
      this.stop(member);
    }
    this.children = this.children.filter((c) => !group.includes(c) || restarting.includes(c));
    // An exit heard meanwhile may have restarted a group that takes some of these in: theirs wins.
    const still = restarting.filter((c) => c.group === ours);
    if (delay === 0) {
      this.pending.push(...still);
      return;
    }
    const token = ++this.world.seq;
    for (const member of still) {
      member.state = 'backoff';
      member.token = token;
    }
    this.world.agenda.push({ due: this.world.now + delay, seq: token, sup: this, token });
  }

  /** A group's backoff is over: its members still waiting for it start, in order. */
  restartDue(token: number): void {
    this.pending.push(...this.children.filter((c) => c.state === 'backoff' && c.token === token));
    this.run();
  }

  /**
   * OTP's auto_shutdown: a significant child ended on its own and is not restarted; with
   * any_significant that ends the supervisor, with all_significant only if no other significant
   * child is alive (running, waiting out a backoff, or still to be started).
   */
  significantEnded(child: ModelChild): void {
    const mode = this.spec.autoShutdown ?? 'never';
    if (mode === 'never') return;
    const others = this.children.filter((c) => c !== child && c.spec.significant && (c.state !== 'terminated' || this.pending.includes(c)));
    if (mode === 'all_significant' && others.length > 0) return;
    this.emit(`auto_shutdown ${child.spec.id}`);
    this.end('auto_shutdown');
  }

  /** Giving up and auto-shutdown end it with `shutdown`, and its parent decides, as for any child that exits. */
  end(reason: 'gave_up' | 'auto_shutdown'): void {
    this.shutdown(reason);
    if (!this.parent) {
      this.world.done = true;
    } else if (this.starting) {
      this.parent.sup.late.push(this.parent.child);
    } else {
      this.parent.sup.exited(this.parent.child, 'shutdown');
      this.parent.sup.run();
    }
  }

  emit(line: string): void {
    this.world.emit(this.path, line);
  }
}
