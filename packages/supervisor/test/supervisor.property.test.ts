import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChildCommandFailure, RestartType, Strategy } from '../src/index.ts';
import { countChildren, whichChild } from '../src/index.ts';
import { AdvanceClock } from './helpers/AdvanceClock.ts';
import { askNow, outcomeOf } from './helpers/askNow.ts';
import { harness } from './helpers/harness.ts';
import { ReferenceModel, type ReferenceChild, type ReferencePolicy } from './helpers/ReferenceModel.ts';
import { referencePolicyFields } from './helpers/referencePolicyFields.ts';
import { testChild } from './helpers/testChild.ts';

/**
 * Model-based test: random sequences of crashes, exits, the four commands on children (start,
 * with a start that fails and with a taken id; terminate; restart; delete; some naming an id the
 * supervisor never had), and clock advances, run against the real supervisor and a small
 * reference model of OTP's rules written independently of it. Every command's answer must be
 * the one OTP gives (ok, already_started, already_present, not_found, running, restarting,
 * start_failed); after every command the two must agree on every child's state and incarnation
 * and on countChildren and whichChild, and the invariants must hold.
 */

interface ModelChild extends ReferenceChild {
  restart: RestartType;
  state: 'running' | 'backoff' | 'terminated';
}

interface Config extends ReferencePolicy {
  strategy: Strategy;
}

class Model extends ReferenceModel<ModelChild, Config> {
  nextId = 0;

  constructor(config: Config, restarts: RestartType[]) {
    super(config);
    for (const restart of restarts) this.add(restart);
  }

  add(restart: RestartType): string {
    const id = `c${this.nextId++}`;
    this.children.push({ id, restart, state: 'running', incarnation: 1, startedAt: this.now, failures: 0, due: 0 });
    return id;
  }

  running(): ModelChild[] {
    return this.children.filter((c) => c.state === 'running');
  }

  exit(child: ModelChild, kind: 'normal' | 'shutdown' | 'crash'): void {
    const restart = child.restart === 'permanent' || (child.restart === 'transient' && kind === 'crash');
    if (!restart) {
      if (child.restart === 'temporary') this.children = this.children.filter((c) => c !== child);
      else child.state = 'terminated';
      return;
    }
    const delay = this.restartDelay(child);
    if (delay === undefined) return;
    const { strategy } = this.config;
    const index = this.children.indexOf(child);
    // OTP restarts every sibling in range, terminated ones included.
    const group = this.children.filter((c, i) => c === child || strategy === 'one_for_all' || (strategy === 'rest_for_one' && i > index));
    for (const member of group) {
      if (member !== child && member.restart === 'temporary') {
        this.children = this.children.filter((c) => c !== member);
        continue;
      }
      member.state = 'backoff';
      member.due = this.now + delay;
    }
    this.fireDue();
  }

  protected fireDue(): void {
    for (const c of this.children) {
      if (c.state === 'backoff' && c.due <= this.now) {
        c.state = 'running';
        c.incarnation++;
        c.startedAt = this.now;
      }
    }
  }
}

type Real = ReturnType<typeof harness> & { restartTimes: number[]; ended: number; verify(m: Model): void };

function pick(model: Model, index: number, state: ModelChild['state']): ModelChild | undefined {
  const candidates = model.children.filter((c) => c.state === state);
  return candidates[index % Math.max(1, candidates.length)];
}

class Exit implements fc.Command<Model, Real> {
  readonly index: number;
  readonly kind: 'normal' | 'shutdown' | 'crash';
  constructor(index: number, kind: 'normal' | 'shutdown' | 'crash') {
    this.index = index;
    this.kind = kind;
  }
  check = (m: Readonly<Model>) => !m.done && m.running().length > 0;
  run(m: Model, r: Real): void {
    const child = pick(m, this.index, 'running')!;
    r.send(child.id, this.kind === 'crash' ? 'crash' : this.kind === 'normal' ? 'exit' : 'exit_shutdown');
    r.ended++;
    m.exit(child, this.kind);
    r.verify(m);
  }
  toString = () => `exit(${this.index}, ${this.kind})`;
}

/** The ids a command may name: the model's children, and one the supervisor never had. */
function target(m: Readonly<Model>, index: number): string {
  const ids = [...m.children.map((c) => c.id), 'ghost'];
  return ids[index % ids.length]!;
}

class Start implements fc.Command<Model, Real> {
  readonly restart: RestartType;
  readonly fails: boolean;
  constructor(restart: RestartType, fails: boolean) {
    this.restart = restart;
    this.fails = fails;
  }
  check = (m: Readonly<Model>) => !m.done && m.children.length < 6;
  run(m: Model, r: Real): void {
    const id = `c${m.nextId}`;
    const result = askNow(r.supervisor, { type: 'supervisor.start_child', spec: { id, logic: testChild, restart: this.restart, input: { log: r.log, name: id, failStart: this.fails } } });
    if (this.fails) {
      // OTP: the caller gets the error and nothing changes.
      assert.equal(outcomeOf(result), 'start_failed');
      m.nextId++;
    } else {
      assert.equal(outcomeOf(result), 'ok');
      m.add(this.restart);
      assert.equal(result.ok && result.ref, whichChild(r.supervisor, id)?.ref, 'the answer carries the live child');
    }
    r.verify(m);
  }
  toString = () => `startChild(${this.restart}${this.fails ? ', fails' : ''})`;
}

/** startChild with an id that is taken: already_started while it runs, already_present otherwise. */
class StartTaken implements fc.Command<Model, Real> {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (m: Readonly<Model>) => !m.done && m.children.length > 0;
  run(m: Model, r: Real): void {
    const child = m.children[this.index % m.children.length]!;
    const result = askNow(r.supervisor, { type: 'supervisor.start_child', spec: { id: child.id, logic: testChild, input: { log: r.log, name: child.id } } });
    assert.equal(outcomeOf(result), child.state === 'running' ? 'already_started' : 'already_present');
    r.verify(m);
  }
  toString = () => `startChild(taken ${this.index})`;
}

/**
 * A command on the child that `index` names among the model's ids and the one the supervisor
 * never had (`target`): it asks, checks OTP's answer and updates the model in `apply`.
 */
abstract class CommandOnId implements fc.Command<Model, Real> {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (m: Readonly<Model>) => !m.done;
  run(m: Model, r: Real): void {
    const id = target(m, this.index);
    this.apply(m, r, id, m.children.find((c) => c.id === id));
    r.verify(m);
  }
  abstract apply(m: Model, r: Real, id: string, child: ModelChild | undefined): void;
}

/** OTP's answer to restart_child and delete_child, which act only on a terminated child. */
function answerOnTerminated(child: ModelChild | undefined): ChildCommandFailure | 'ok' {
  return !child ? 'not_found' : child.state === 'terminated' ? 'ok' : child.state === 'backoff' ? 'restarting' : 'running';
}

class Terminate extends CommandOnId {
  apply(m: Model, r: Real, id: string, child: ModelChild | undefined): void {
    assert.equal(outcomeOf(askNow(r.supervisor, { type: 'supervisor.terminate_child', id })), child ? 'ok' : 'not_found');
    if (child?.restart === 'temporary') m.children = m.children.filter((c) => c !== child);
    else if (child) child.state = 'terminated';
  }
  override toString = () => `terminateChild(${this.index})`;
}

class Restart extends CommandOnId {
  apply(m: Model, r: Real, id: string, child: ModelChild | undefined): void {
    const expected = answerOnTerminated(child);
    const result = askNow(r.supervisor, { type: 'supervisor.restart_child', id });
    assert.equal(outcomeOf(result), expected);
    if (child && expected === 'ok') {
      child.state = 'running';
      child.incarnation++;
      child.startedAt = m.now;
      assert.equal(result.ok && result.ref, whichChild(r.supervisor, id)?.ref);
    }
  }
  override toString = () => `restartChild(${this.index})`;
}

class Delete extends CommandOnId {
  apply(m: Model, r: Real, id: string, child: ModelChild | undefined): void {
    const expected = answerOnTerminated(child);
    assert.equal(outcomeOf(askNow(r.supervisor, { type: 'supervisor.delete_child', id })), expected);
    if (expected === 'ok') m.children = m.children.filter((c) => c !== child);
  }
  override toString = () => `deleteChild(${this.index})`;
}

const configArbitrary = fc.record({
  strategy: fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
  ...referencePolicyFields,
});

const restartType = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');

const commands = fc.commands(
  [
    fc.tuple(fc.nat(9), fc.constantFrom('normal', 'shutdown', 'crash' as const)).map(([i, k]) => new Exit(i, k)),
    fc.integer({ min: 1, max: 12_000 }).map((ms) => new AdvanceClock<Model, Real>(ms, (m, r) => r.verify(m))),
    fc.tuple(restartType, fc.boolean()).map(([t, fails]) => new Start(t, fails)),
    fc.nat(9).map((i) => new StartTaken(i)),
    fc.nat(9).map((i) => new Terminate(i)),
    fc.nat(9).map((i) => new Restart(i)),
    fc.nat(9).map((i) => new Delete(i)),
  ],
  { maxCommands: 60, size: "+1" },
);

/** Within any window of `period` seconds there are at most `intensity` restarts. */
function assertIntensity(times: number[], config: Config): void {
  for (let i = 0; i < times.length; i++) {
    const inWindow = times.filter((t) => t >= (times[i] as number) - config.period * 1000 && t <= (times[i] as number));
    assert.ok(inWindow.length <= config.intensity, `${inWindow.length} restarts within ${config.period}s > ${config.intensity}`);
  }
}

describe('supervisor (model-based property)', () => {
  it('agrees with the OTP reference model and keeps its invariants under random commands', function () {
    this.timeout(60_000);
    let runs = 0;
    let executed = 0;
    fc.assert(
      fc.property(configArbitrary, fc.array(restartType, { minLength: 1, maxLength: 4 }), commands, (config, initial, cmds) => {
        runs++;
        const model = new Model(config, initial);
        const t = harness(
          { strategy: config.strategy, intensity: config.intensity, period: config.period, backoff: config.backoff },
          initial.map((restart, i) => ({ id: `c${i}`, restart })),
        );
        const real: Real = Object.assign(t, {
          restartTimes: [] as number[],
          ended: 0,
          verify(m: Model) {
            executed++;
            if (m.done) assert.equal(t.supervisor.getSnapshot().status, 'done', 'gave up as the model did');
            else {
              assert.deepEqual(t.states(), m.states());
              // Introspection agrees with the model too (OTP count_children, which_child).
              const running = m.children.filter((c) => c.state === 'running').length;
              assert.deepEqual(countChildren(t.supervisor), { specs: m.children.length, active: running, supervisors: 0, workers: m.children.length });
              for (const c of m.children) assert.equal(`${c.id}@${c.incarnation}:${c.state}`, `${c.id}@${whichChild(t.supervisor, c.id)?.incarnation}:${whichChild(t.supervisor, c.id)?.state}`);
            }
            assertIntensity(real.restartTimes, config);
          },
        });
        t.supervisor.on('supervisor.child_restarting', () => real.restartTimes.push(t.clock.now()));
        t.start();
        fc.modelRun(() => ({ model, real }), cmds);

        // Stop it (if it has not given up) and check what must hold after any stop.
        const live = t.states().filter((s) => s.endsWith(':running')).map((s) => s.split('@')[0]);
        const before = t.log.length;
        t.supervisor.send({ type: 'portico.shutdown' });
        if (!model.done) {
          assert.deepEqual(t.log.slice(before).map((l) => l.split(':')[1]), [...live].reverse(), 'stop order is the reverse of start order');
        }
        assert.equal(t.supervisor.getSnapshot().status, 'done');
        assert.ok(t.states().every((s) => s.endsWith(':terminated')), 'every child is stopped');
        assert.equal(t.clock.pendingTimers, 0, 'no timer remains');
        const starts = t.log.filter((l) => l.startsWith('start:')).length;
        const stops = t.log.filter((l) => l.startsWith('shutdown:') || l.startsWith('kill:')).length;
        assert.equal(starts, stops + real.ended, 'every incarnation that started has ended: no actor remains');
      }),
      // Time-boxed by the tier's budget (PORTICO_PROPERTY_SECONDS): 1 s in pnpm test, 8 s in test:slow.
      { numRuns: 20_000, verbose: 1 },
    );
    console.log(`      explored ${runs} runs, ${executed} commands`);
  });
});
