import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, type AnyActorRef } from 'xstate';
import {
  createTemplateSupervisor,
  SimulatedClock,
  whichChildren,
  type RestartType,
  type SupervisorRef,
} from '../../src/index.ts';
import { AdvanceClock } from './AdvanceClock.ts';
import { askNow, outcomeOf } from './askNow.ts';
import { ReferenceModel, type ReferenceChild } from './ReferenceModel.ts';
import { referencePolicyFields } from './referencePolicyFields.ts';
import { testChild, type TestChildInput } from './testChild.ts';

/**
 * Model-based test of template supervisors (OTP's simple_one_for_one): random starts (some of
 * which fail), crashes, normal and shutdown exits, failed restarts, terminate, restart and delete
 * commands, and steps of time, against a model written from docs/supervisor.md (Template
 * supervisors) and OTP: children named in order, restarted alone by the template's restart type
 * after the backoff, removed when they end unrestarted or are terminated, the intensity window,
 * and a stop in reverse start order that leaves no child actor running.
 */

interface Config {
  restart: RestartType;
  intensity: number;
  period: number;
  backoff: { min: number; max: number; resetAfter: number };
}

interface ModelChild extends ReferenceChild {
  state: 'running' | 'backoff';
}

class Model extends ReferenceModel<ModelChild, Config> {
  seq = 0;
  /** Children whose next start fails. */
  failing = new Set<string>();

  exit(child: ModelChild, kind: 'normal' | 'shutdown' | 'crash'): void {
    const { restart } = this.config;
    if (!(restart === 'permanent' || (restart === 'transient' && kind === 'crash'))) {
      this.children = this.children.filter((c) => c !== child);
      return;
    }
    const delay = this.restartDelay(child);
    if (delay === undefined) return;
    child.state = 'backoff';
    child.due = this.now + delay;
    if (child.due === this.now) this.fireDue();
  }

  /** Restarts the children due now, in start order; a restart that fails is a crash. */
  protected fireDue(): void {
    for (const c of this.children.filter((c) => c.state === 'backoff' && c.due <= this.now)) {
      if (this.done) return;
      c.incarnation++;
      if (this.failing.delete(c.id)) {
        c.startedAt = this.now;
        this.exit(c, 'crash');
        continue;
      }
      c.state = 'running';
      c.startedAt = this.now;
    }
  }
}

interface Real {
  supervisor: SupervisorRef;
  clock: SimulatedClock;
  log: string[];
  failing: Set<string>;
  /** Every child actor ever started, to prove none runs once the supervisor has stopped. */
  actors: AnyActorRef[];
}

function verify(m: Model, r: Real): void {
  assert.equal(r.supervisor.getSnapshot().status === 'done', m.done, 'gave up when the model did');
  if (!m.done) assert.deepEqual(whichChildren(r.supervisor).map((c) => `${c.id}@${c.incarnation}:${c.state}`), m.states());
}

type Command = fc.Command<Model, Real>;

class Start implements Command {
  readonly fails: boolean;
  constructor(fails: boolean) {
    this.fails = fails;
  }
  check = (m: Readonly<Model>) => !m.done && m.children.length < 6;
  run(m: Model, r: Real): void {
    const id = `child-${++m.seq}`;
    if (this.fails) r.failing.add(id);
    const result = askNow(r.supervisor, { type: 'supervisor.start_template_child', args: id });
    // OTP start_child: a start that fails changes nothing.
    assert.equal(outcomeOf(result), this.fails ? 'start_failed' : 'ok');
    assert.equal(result.id, id);
    if (!this.fails) m.children.push({ id, state: 'running', incarnation: 1, startedAt: m.now, failures: 0, due: 0 });
    verify(m, r);
  }
  toString = () => `startTemplateChild(${this.fails ? 'fails' : 'ok'})`;
}

class Exit implements Command {
  readonly index: number;
  readonly kind: 'normal' | 'shutdown' | 'crash';
  readonly restartFails: boolean;
  constructor(index: number, kind: 'normal' | 'shutdown' | 'crash', restartFails: boolean) {
    this.index = index;
    this.kind = kind;
    this.restartFails = restartFails;
  }
  check = (m: Readonly<Model>) => !m.done && m.children.some((c) => c.state === 'running');
  run(m: Model, r: Real): void {
    const running = m.children.filter((c) => c.state === 'running');
    const child = running[this.index % running.length]!;
    if (this.restartFails) {
      m.failing.add(child.id);
      r.failing.add(child.id);
    }
    const ref = whichChildren(r.supervisor).find((c) => c.id === child.id)?.ref;
    assert.ok(ref, `${child.id} runs`);
    ref.send({ type: this.kind === 'crash' ? 'crash' : this.kind === 'normal' ? 'exit' : 'exit_shutdown' });
    m.exit(child, this.kind);
    verify(m, r);
  }
  toString = () => `${this.kind}(${this.index}${this.restartFails ? ', its restart fails' : ''})`;
}

/** terminateChild, restartChild or deleteChild on a child the model has, or on one it never had. */
class OnId implements Command {
  readonly index: number;
  readonly command: 'terminate' | 'restart' | 'delete';
  constructor(index: number, command: 'terminate' | 'restart' | 'delete') {
    this.index = index;
    this.command = command;
  }
  check = (m: Readonly<Model>) => !m.done;
  run(m: Model, r: Real): void {
    const ids = [...m.children.map((c) => c.id), 'child-0'];
    const id = ids[this.index % ids.length]!;
    const child = m.children.find((c) => c.id === id);
    const result = askNow(r.supervisor, { type: `supervisor.${this.command}_child`, id });
    if (!child) assert.equal(outcomeOf(result), 'not_found');
    else if (this.command === 'terminate') {
      // A template child that is terminated is removed, as OTP's simple_one_for_one does.
      assert.equal(outcomeOf(result), 'ok');
      m.children = m.children.filter((c) => c !== child);
    } else {
      // A live child has no spec to restart or delete: it is running, or waiting out its backoff.
      assert.equal(outcomeOf(result), child.state === 'backoff' ? 'restarting' : 'running');
    }
    verify(m, r);
  }
  toString = () => `${this.command}Child(${this.index})`;
}

const configArbitrary = fc.record({
  restart: fc.constantFrom<RestartType>('permanent', 'transient', 'temporary'),
  ...referencePolicyFields,
});

const commands = fc.commands(
  [
    fc.boolean().map((fails): Command => new Start(fails)),
    fc.tuple(fc.nat(9), fc.constantFrom('crash' as const, 'crash' as const, 'normal' as const, 'shutdown' as const), fc.boolean()).map(([i, k, f]): Command => new Exit(i, k, f)),
    fc.oneof(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom(500, 1_000, 2_000)).map((ms): Command => new AdvanceClock(ms, verify)),
    fc.tuple(fc.nat(9), fc.constantFrom('terminate' as const, 'restart' as const, 'delete' as const)).map(([i, c]): Command => new OnId(i, c)),
  ],
  { maxCommands: 50, size: 'max' },
);

/** Runs the template property with `params` (seed and numRuns in the unit tier); returns fast-check's details. */
export function checkTemplateSupervisors(params: { seed?: number; numRuns: number; interruptAfterTimeLimit?: number }): fc.RunDetails<unknown> {
  const details = fc.check(
    fc.property(configArbitrary, commands, (config, cmds) => {
      const model = new Model(config);
      const log: string[] = [];
      const failing = new Set<string>();
      const clock = new SimulatedClock();
      const input = (name: string): TestChildInput => ({
        log,
        name,
        // Asked at each start: a child named in `failing` fails this one.
        get failStart() {
          return failing.delete(name);
        },
      });
      const { restart, ...policy } = config;
      const supervisor = createActor(createTemplateSupervisor({ ...policy, template: { logic: testChild, restart, input } }), { clock });
      const actors: AnyActorRef[] = [];
      supervisor.system.inspect({ next: (event) => event.type === '@xstate.actor' && event.actorRef !== supervisor && actors.push(event.actorRef as AnyActorRef) });
      supervisor.start();
      const real: Real = { supervisor, clock, log, failing, actors };
      fc.modelRun(() => ({ model, real }), cmds);
      // The stop: every live child in reverse start order, none left running, no timer left.
      const live = whichChildren(supervisor).filter((c) => c.ref).map((c) => c.id);
      const before = log.length;
      supervisor.send({ type: 'portico.shutdown' });
      assert.equal(supervisor.getSnapshot().status, 'done');
      if (!model.done) assert.deepEqual(log.slice(before), live.reverse().map((id) => `shutdown:${id}`), 'stopped in reverse start order');
      assert.deepEqual(actors.filter((a) => a.getSnapshot().status === 'active').map((a) => a.id), [], 'no child actor runs after the stop');
      assert.equal(clock.pendingTimers, 0, 'no timer is left');
    }),
    params,
  );
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? 'the template property failed');
  return details as fc.RunDetails<unknown>;
}
