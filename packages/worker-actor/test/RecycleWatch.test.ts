import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { RecycleWatch } from '../src/RecycleWatch.ts';
import { PoolHistory, recyclingDefaults, untilNextScheduled, validateRecycling, type Recycling } from '../src/index.ts';

const mib = 1024 * 1024;

function watch(recycling: Partial<Recycling>, clock = new SimulatedClock(), history = new PoolHistory()) {
  const asked: { reason: string; detail: string }[] = [];
  const again: string[] = [];
  const w = new RecycleWatch({
    recycling: { ...recyclingDefaults, ...recycling },
    clock,
    history,
    recycle: (reason, detail) => asked.push({ reason, detail }),
    memoryAgain: (worker) => again.push(worker),
  });
  return { w, asked, again, clock, history };
}

describe('RecycleWatch', () => {
  it('recycles at the scheduled time of day, on the simulated clock, and not before', () => {
    const clock = new SimulatedClock();
    clock.advance(new Date(2026, 0, 5, 2, 0, 0).getTime()); // 02:00 local
    const { w, asked } = watch({ schedule: ['03:30', '23:00'] }, clock);
    w.arm();
    clock.advance(90 * 60_000 - 1);
    assert.equal(asked.length, 0);
    clock.advance(1);
    assert.deepEqual(asked.map((a) => a.reason), ['schedule']);
    assert.equal(new Date(clock.now()).getHours(), 3);
    assert.equal(new Date(clock.now()).getMinutes(), 30);
  });

  it('waits for the next day when the time has passed today, and never schedules within a minute', () => {
    const at = new Date(2026, 0, 5, 3, 0, 10).getTime();
    assert.equal(untilNextScheduled(at, ['03:00']), 24 * 3600_000 - 10_000);
    assert.equal(untilNextScheduled(at - 20_000, ['03:00']), 24 * 3600_000 + 10_000, 'a pool made 10 s before the recycle it replaces does not recycle again');
    assert.equal(untilNextScheduled(at, []), undefined);
  });

  it('recycles after `time` seconds', () => {
    const { w, asked, clock } = watch({ time: 3600 });
    w.arm();
    clock.advance(3_599_999);
    assert.equal(asked.length, 0);
    clock.advance(1);
    assert.deepEqual(asked.map((a) => a.reason), ['time']);
  });

  it('recycles for memory only when it stays above the limit for memorySamples samples in a row: one spike does not', () => {
    const { w, asked } = watch({ memory: 100, memorySamples: 3 });
    w.arm();
    w.sampled('a#1', 7, 150 * mib);
    w.sampled('a#1', 7, 150 * mib);
    w.sampled('a#1', 7, 90 * mib); // back under: the count starts again
    w.sampled('a#1', 7, 150 * mib);
    w.sampled('a#1', 7, 150 * mib);
    assert.equal(asked.length, 0);
    w.sampled('a#1', 7, 150 * mib);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.reason, 'memory');
    assert.match(asked[0]!.detail, /a#1 held 150 MiB, above 100 MiB, for 3 samples/);
  });

  it('does not count samples of an earlier process towards a new one', () => {
    const { w, asked } = watch({ memory: 100, memorySamples: 2 });
    w.sampled('a#1', 7, 150 * mib);
    w.sampled('a#1', 8, 150 * mib);
    assert.equal(asked.length, 0);
  });

  it('asks once per pool, and again after a recycle that failed', () => {
    const { w, asked } = watch({ requests: 10 });
    w.servedLimit('a#1');
    w.servedLimit('a#2');
    assert.equal(asked.length, 1);
    w.failed();
    w.servedLimit('a#2');
    assert.equal(asked.length, 2);
  });

  it('reports a memory limit passed again within a minute of a memory recycle instead of recycling again', () => {
    const clock = new SimulatedClock();
    const history = new PoolHistory();
    const first = watch({ memory: 100, memorySamples: 1 }, clock, history);
    first.w.sampled('a#1', 7, 150 * mib);
    assert.equal(first.asked.length, 1);
    // Regression: the pool being replaced restarted its own worker as "again" while the new one started.
    first.w.sampled('a#1', 7, 150 * mib);
    assert.deepEqual(first.again, [], 'the pool being replaced leaves its workers alone');
    // The pool that replaced it goes on with its history.
    const second = watch({ memory: 100, memorySamples: 1 }, clock, new PoolHistory(history));
    clock.advance(59_000);
    second.w.sampled('a#1', 8, 150 * mib);
    assert.equal(second.asked.length, 0);
    assert.deepEqual(second.again, ['a#1']);
    clock.advance(2_000);
    second.w.sampled('a#1', 9, 150 * mib);
    assert.equal(second.asked.length, 1, 'a minute after the last memory recycle, it is a leak that took its time');
  });

  it('refuses a wrong value naming its key', () => {
    assert.throws(() => validateRecycling({ ...recyclingDefaults, schedule: ['3:00'] }), /recycling\.schedule.*HH:MM/);
    assert.throws(() => validateRecycling({ ...recyclingDefaults, memorySamples: 0 }), /recycling\.memorySamples/);
  });
});
