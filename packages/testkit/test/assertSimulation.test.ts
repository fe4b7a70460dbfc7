import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSimulation, faultScheduleArbitrary, formatFailure, formatSchedule, replayParameters, Simulation, SimulationFailedError, type FaultSchedule } from '../src/index.ts';

// A property that fails as soon as shop#2 crashes after one second: its shrunk counterexample is
// a single line, which makes the report's shape checkable.
const schedules = faultScheduleArbitrary({ targets: ['shop#1', 'shop#2'], horizonMs: 10_000, kinds: ['crash', 'hang-on-stop'] });
const noLateCrashOfShop2 = (schedule: FaultSchedule) => {
  const late = schedule.find((f) => f.kind === 'crash' && f.target === 'shop#2' && f.at >= 1_000);
  if (late) throw new Error('shop#2 crashed late');
};

// These tests read the report, the replay and the run count, not the time box: the tier's budget
// (test/helpers/propertyBudget.ts, 1 s from the start of the check) must not cut their runs or
// their shrinking short. On a loaded machine it did: a process held off the CPU for a second lost
// its last shrinks (3 of 400 loops) or its replayed run (2 of 400). They wait for fast-check's end.
const untimed = { interruptAfterTimeLimit: 2 ** 31 - 1 };

describe('assertSimulation', () => {
  it('reports the seed, the path, how to replay and the shrunk schedule one line per fault', async () => {
    const failure = await assertSimulation(fc.property(schedules, noLateCrashOfShop2), { seed: 1234, ...untimed }).then(
      () => assert.fail('the property should fail'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof SimulationFailedError);
    const message = (failure as Error).message;
    assert.match(message, /^ {2}seed: 1234$/m);
    assert.match(message, /^ {2}path: [\d:]+$/m);
    assert.match(message, /PORTICO_TESTKIT_SEED=1234 PORTICO_TESTKIT_PATH='[\d:]+'/);
    assert.match(message, /^ {4}t=1000ms crash shop#2 code=1$/m, 'shrunk to the earliest late crash, printed as a schedule line');
    assert.match(message, /shop#2 crashed late/);
  });

  it('replays exactly the failing run from the printed seed and path', async () => {
    const first = fc.check(fc.property(schedules, noLateCrashOfShop2), { seed: 99, ...untimed });
    assert.ok(first.failed && first.counterexamplePath !== null);
    let runs = 0;
    const replay = fc.check(
      fc.property(schedules, (s) => {
        runs++;
        noLateCrashOfShop2(s);
      }),
      { seed: 99, path: first.counterexamplePath, endOnFailure: true, ...untimed },
    );
    assert.equal(runs, 1);
    assert.equal(formatSchedule(replay.counterexample![0]), formatSchedule(first.counterexample![0]));
  });

  // A loaded machine cut the shrinking short and the report still said "shrunk": failed before.
  it('says the counterexample is only partly shrunk when the time limit stopped the shrinking', () => {
    const details = fc.check(fc.property(schedules, noLateCrashOfShop2), { seed: 1234, ...untimed });
    assert.ok(details.failed && !details.interrupted);
    assert.match(formatFailure(details as fc.RunDetails<unknown>), /^counterexample \(shrunk\):$/m);
    const cutShort = formatFailure({ ...details, interrupted: true } as fc.RunDetails<unknown>);
    assert.match(cutShort, new RegExp(`^counterexample \\(partly shrunk: the time limit ran out after ${details.numShrinks} shrink\\(s\\);`, 'm'));
    assert.doesNotMatch(cutShort, /\(shrunk\)|interrupted by the time limit after/);
  });

  it('reads replay parameters from PORTICO_TESTKIT_SEED and PORTICO_TESTKIT_PATH', () => {
    assert.deepEqual(replayParameters({ PORTICO_TESTKIT_SEED: '42', PORTICO_TESTKIT_PATH: '3:1' }), { seed: 42, path: '3:1', endOnFailure: true });
    assert.deepEqual(replayParameters({}), {});
    assert.deepEqual(replayParameters({ PORTICO_TESTKIT_SEED: '-195380010' }), { seed: -195380010, endOnFailure: true });
  });

  // A mistyped seed (abc, a pasted quote) ran as NaN, which fast-check took as seed 0: a run other
  // than the printed one, passing or failing, without a word; a path without its seed was ignored.
  it('refuses replay parameters that cannot name the printed run, saying what to set', () => {
    for (const seed of ['abc', '12.5', "'42'", '1e3x']) {
      assert.throws(() => replayParameters({ PORTICO_TESTKIT_SEED: seed }), (error: Error) => error instanceof RangeError && error.message.includes('PORTICO_TESTKIT_SEED') && error.message.includes(seed), seed);
    }
    assert.throws(() => replayParameters({ PORTICO_TESTKIT_PATH: '3:1' }), /PORTICO_TESTKIT_PATH .*PORTICO_TESTKIT_SEED/);
    assert.throws(() => replayParameters({ PORTICO_TESTKIT_SEED: '42', PORTICO_TESTKIT_PATH: '3:x' }), /PORTICO_TESTKIT_PATH/);
  });

  // CI, on a loaded machine: the WorkerPool property's first run outlasted the tier's 1 s budget,
  // and fast-check counts an interruption before any run succeeded as a failure (cause: null).
  // A time box bounds how many runs are explored, never whether one is: failed before.
  it('runs the first case to its end when the time box runs out inside it', async () => {
    let runs = 0;
    const slowFirstRun = fc.asyncProperty(schedules, async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 60));
    });
    const details = await assertSimulation(slowFirstRun, { numRuns: 1_000, interruptAfterTimeLimit: 20 });
    assert.deepEqual([details.failed, details.numRuns], [false, 1]);
    assert.ok(runs >= 1);
  });

  it('still reports a first case that fails after the time box ran out', async () => {
    const failsLate = fc.asyncProperty(schedules, async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      throw new Error('the pool kept a dead worker');
    });
    const failure = await assertSimulation(failsLate, { numRuns: 1_000, interruptAfterTimeLimit: 20 }).then(
      () => assert.fail('a failing first case passed'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof SimulationFailedError);
    assert.match(failure.message, /the pool kept a dead worker/);
  });

  // A property's own assertion (node:assert, not one of the testkit's checks, which print the
  // trace themselves) failed with its message alone: what the simulated world did before it was
  // lost, though the run is deterministic. The failing run is replayed once and its trace added.
  it('adds the trace of the failing run when the property\'s own assertion fails', async () => {
    const crashCounts = fc.asyncProperty(fc.integer({ min: 0, max: 3 }), async (crashes) => {
      const sim = new Simulation({ seed: 5 });
      sim.note('shop started');
      await sim.advance(50);
      for (let i = 0; i < crashes; i++) sim.note(`the test crashed it (${i + 1})`);
      assert.ok(crashes < 2, `the app went down ${crashes} times`);
    });
    const failure = await assertSimulation(crashCounts, { seed: 3, ...untimed }).then(
      () => assert.fail('the property should fail'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof SimulationFailedError);
    const message = (failure as Error).message;
    assert.match(message, /the app went down 2 times/);
    assert.match(message, /^trace of the failing run, replayed:$/m);
    assert.match(message, /^ {2}t=0ms shop started$/m);
    assert.match(message, /^ {2}t=50ms the test crashed it \(2\)$/m);
  });

  // The replay is the report's own check that the run can be replayed: a property that depends on
  // something outside the simulation (Math.random, a real timer, I/O) is said to be one.
  it('says so when the failing run does not fail again on replay', async () => {
    let calls = 0;
    const flaky = fc.property(fc.integer(), () => {
      calls++;
      new Simulation().note('ran');
      assert.ok(calls > 1, 'only the first call fails');
    });
    const failure = await assertSimulation(flaky, { seed: 1, ...untimed }).then(
      () => assert.fail('the property should fail'),
      (error: unknown) => error,
    );
    assert.match((failure as Error).message, /^the failing run passed when replayed \(same seed and path\): the property depends on something outside the simulation/m);
  });

  // Failed before: a property over fc.commands replayed from the printed seed and path walked to
  // another case (the replay passed, and the report blamed something outside the simulation, or
  // fast-check threw "Unable to replay, got wrong path" in place of the failure); fc.commands
  // needs the counterexample's replayPath as well.
  it('says that a counterexample of commands replays only with its replayPath', async () => {
    class Add implements fc.Command<object, { n: number }> {
      check = () => true;
      run(_model: object, real: { n: number }): void {
        assert.ok(++real.n < 3, `${real.n} adds`);
      }
      toString = () => 'add';
    }
    const adds = (replayPath?: string) =>
      fc.property(fc.commands([fc.constant(new Add())], replayPath === undefined ? {} : { replayPath }), (commands) => {
        new Simulation().note('ran');
        fc.modelRun(() => ({ model: {}, real: { n: 0 } }), commands);
      });
    const failure = await assertSimulation(adds(), { seed: 42, ...untimed }).then(
      () => assert.fail('the property should fail'),
      (error: unknown) => error,
    );
    const message = (failure as Error).message;
    const printed = /fc\.commands\(\[\.\.\.\], \{ replayPath: '([^']+)' \}\)/.exec(message);
    assert.ok(printed, message);
    assert.doesNotMatch(message, /passed when replayed|Unable to replay/);
    const path = /^ {2}path: (\S+)$/m.exec(message)?.[1] ?? '';
    const replayed = await assertSimulation(adds(printed[1]), { seed: 42, path, endOnFailure: true, ...untimed }).then(
      () => 'passed',
      (error: unknown) => (error as Error).message,
    );
    assert.match(replayed, /3 adds/, 'the printed seed, path and replayPath give the failing run');
  });

  it('resolves with the run details when the property holds', async () => {
    const details = await assertSimulation(fc.property(schedules, () => {}), { numRuns: 25, ...untimed });
    assert.equal(details.numRuns, 25);
  });
});
