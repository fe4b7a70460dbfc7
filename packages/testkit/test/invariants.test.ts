import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { createSupervisor, SimulatedClock, terminateChild } from '@portico/supervisor';
import {
  assertEachRequestAnsweredOnce,
  assertNoOrphans,
  assertQuiescent,
  assertRestartIntensity,
  assertStateTimeLimits,
  assertStopOrder,
  InvariantViolatedError,
  Simulation,
  testChild,
  trackActors,
  trackChildStates,
  type TimedEvent,
} from '../src/index.ts';

const restartsAt = (...times: number[]): TimedEvent[] => times.map((at) => ({ at, type: 'supervisor.child_restarting', childId: 'a' }));

describe('invariants', () => {
  describe('assertRestartIntensity', () => {
    it('passes when no window of period seconds holds more than intensity restarts', () => {
      assertRestartIntensity(restartsAt(0, 1_000, 6_000, 7_000), { intensity: 2, period: 5 });
    });

    // supervisor.erl keeps a restart while Now =< Then + Period; this said the opposite of OTP.
    it('treats a restart exactly period ago as inside the window, as OTP does, and one a millisecond older as outside', () => {
      assert.throws(() => assertRestartIntensity(restartsAt(0, 5_000), { intensity: 1, period: 5 }), InvariantViolatedError);
      assertRestartIntensity(restartsAt(0, 5_001), { intensity: 1, period: 5 });
    });

    // The supervisor dates an exit when the child says it ended (a worker's WorkerExit.exitedAt,
    // before its output was on disk), within the child's life, and counts the restart then; the
    // check counted it when the restart was decided, and so disagreed with it both ways.
    describe('dates each restart by its exit, as the supervisor does', () => {
      const crash = (exitedAt: number) => ({ kind: 'crash', error: Object.assign(new Error('crashed'), { exit: { kind: 'crashed', exitedAt } }) });
      const restartAfter = (startedAt: number, exitedAt: number, heardAt: number): TimedEvent[] => [
        { at: startedAt, type: 'supervisor.child_started', childId: 'a' },
        { at: heardAt, type: 'supervisor.child_exited', childId: 'a', exit: crash(exitedAt), expected: false, uptimeMs: exitedAt - startedAt },
        { at: heardAt, type: 'supervisor.child_restarting', childId: 'a' },
      ];

      it('passes exits 6 s apart though the first was heard of 3 s late', () => {
        assertRestartIntensity([...restartAfter(-1_000, 0, 3_000), ...restartAfter(3_000, 6_000, 6_000)], { intensity: 1, period: 5 });
      });

      it('fails exits 4 s apart though the second was heard of 1.5 s late', () => {
        assert.throws(() => assertRestartIntensity([...restartAfter(-1_000, 0, 0), ...restartAfter(0, 4_000, 5_500)], { intensity: 1, period: 5 }), /2 restarts within 5s \(at t=0ms, t=4000ms\)/);
      });

      it('reads the exit time of a logged exit (the WorkerExit itself), and never dates it before the start or after it was heard of', () => {
        const logged = (startedAt: number, exitedAt: number, heardAt: number): TimedEvent[] => [
          { at: startedAt, type: 'supervisor.child_started', childId: 'a' },
          { at: heardAt, type: 'supervisor.child_exited', childId: 'a', exit: { kind: 'crashed', exitedAt } },
          { at: heardAt, type: 'supervisor.child_restarting', childId: 'a' },
        ];
        assertRestartIntensity([...logged(-1_000, 0, 3_000), ...logged(3_000, 6_000, 6_000)], { intensity: 1, period: 5 });
        // Dated before its start: at its start (3 s), within 5 s of the first exit.
        assert.throws(() => assertRestartIntensity([...logged(-1_000, 0, 0), ...logged(3_000, -50_000, 9_000)], { intensity: 1, period: 5 }), /t=0ms, t=3000ms/);
        // Dated after it was heard of: when it was heard of (7 s), outside the window.
        assertRestartIntensity([...logged(-1_000, 0, 0), ...logged(1_000, 99_000, 7_000)], { intensity: 1, period: 5 });
      });
    });

    it('fails with the times of the restarts in the offending window and the trace', () => {
      assert.throws(
        () => assertRestartIntensity(restartsAt(0, 1_000, 2_000), { intensity: 2, period: 5 }, { trace: ['t=0ms crash a'] }),
        (error: Error) =>
          error instanceof InvariantViolatedError &&
          /3 restarts within 5s \(at t=0ms, t=1000ms, t=2000ms\) but intensity is 2/.test(error.message) &&
          error.message.includes('t=0ms crash a'),
      );
    });
  });

  describe('assertNoOrphans', () => {
    it('fails when a process left grandchildren that survived it', async () => {
      const sim = new Simulation({ host: { killsGroupOnExit: false } });
      sim.host.define('app', { crashAt: 10, leavesGrandchildren: 2 });
      sim.host.spawn({ command: 'app', args: [], cwd: '/', env: {}, notify: false }, { onNotify() {}, onExit() {} });
      await sim.advance(20);
      assert.throws(() => assertNoOrphans(sim.host), /pid=1000 app#1 state=exited grandchildren=2/);
    });

    it('passes once every process and grandchild is gone', async () => {
      const sim = new Simulation();
      sim.host.define('app', { crashAt: 10, leavesGrandchildren: 2 });
      sim.host.spawn({ command: 'app', args: [], cwd: '/', env: {}, notify: false }, { onNotify() {}, onExit() {} });
      assert.throws(() => assertNoOrphans(sim.host), InvariantViolatedError);
      await sim.advance(20);
      assertNoOrphans(sim.host);
    });
  });

  describe('assertStopOrder', () => {
    it('passes when stopped children appear in reverse start order, skipping ones not running', () => {
      assertStopOrder(['a', 'b', 'c'], ['c', 'a']);
    });

    it('fails when a child started earlier is stopped before a later one', () => {
      assert.throws(() => assertStopOrder(['a', 'b', 'c'], ['c', 'a', 'b']), /b was stopped after a/);
    });
  });

  describe('assertEachRequestAnsweredOnce', () => {
    it('passes when every request has exactly one answer', () => {
      assertEachRequestAnsweredOnce(['r1', 'r2'], ['r2', 'r1']);
    });

    it('names unanswered, twice-answered and unknown requests', () => {
      assert.throws(
        () => assertEachRequestAnsweredOnce(['r1', 'r2', 'r3'], ['r1', 'r1', 'r2', 'r9']),
        /unanswered: r3; answered more than once: r1×2; answers to unknown requests: r9/,
      );
    });
  });

  describe('assertQuiescent', () => {
    it('fails while a timer is pending and passes once it has fired', async () => {
      const sim = new Simulation();
      sim.clock.setTimeout(() => {}, 100);
      assert.throws(() => assertQuiescent({ clock: sim.clock }), /1 timer\(s\) still pending/);
      await sim.advance(100);
      assertQuiescent({ clock: sim.clock });
    });

    it('fails while an actor of the tree still runs and passes after the tree stopped', async () => {
      const sim = new Simulation();
      const log: string[] = [];
      const supervisor = createActor(createSupervisor({ children: [{ id: 'a', logic: testChild, input: { name: 'a', log } }] }), { clock: sim.clock });
      const actors = trackActors(supervisor);
      supervisor.start();
      assert.throws(() => assertQuiescent({ clock: sim.clock, actors }), /2 actor\(s\) still running/);
      supervisor.send({ type: 'portico.shutdown' });
      await sim.advance(10);
      assertQuiescent({ clock: sim.clock, actors });
      assert.deepEqual(log, ['start:a', 'shutdown:a']);
    });
  });
  describe('assertStateTimeLimits', () => {
    it('fails once a child has been in a state longer than its limit, naming the child and since when', () => {
      const clock = new SimulatedClock();
      const child = { id: 'a', logic: testChild, input: { name: 'a', log: [], graceful: false }, shutdown: 'infinity' as const };
      const supervisor = createActor(createSupervisor({ children: [child] }), { clock });
      const states = trackChildStates(supervisor, clock);
      supervisor.start();
      clock.advance(500);
      void terminateChild(supervisor, 'a');
      clock.advance(1_000);
      assertStateTimeLimits(states, clock, { stopping: 1_000 });
      clock.advance(1);
      assert.throws(
        () => assertStateTimeLimits(states, clock, { stopping: 1_000 }),
        (error: Error) =>
          error instanceof InvariantViolatedError &&
          /"a child leaves stopping within 1000ms" does not hold: a has been stopping since t=500ms, 1001ms by t=1501ms/.test(error.message),
      );
      assertStateTimeLimits(states, clock, { running: 0, starting: 0 });
    });
  });
});
