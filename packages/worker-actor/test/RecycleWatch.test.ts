import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { RecycleWatch } from '../src/RecycleWatch.ts';
import { PoolHistory, recyclingDefaults, untilNextScheduled, validateRecycling, type Recycling } from '../src/index.ts';

const mib = 1024 * 1024;

function watch(recycling: Partial<Recycling>, clock = new SimulatedClock(), history = new PoolHistory()) {
  const asked: { reason: string; detail: string; worker: string | undefined }[] = [];
  const again: string[] = [];
  const replacing = new Set<string>();
  /** The pool's StartBackoff, as the pool reads it: when the next new worker may start. */
  const wait = { until: undefined as number | undefined };
  const processes = new Map<string, number>();
  const w = new RecycleWatch({
    recycling: { ...recyclingDefaults, ...recycling },
    clock,
    history,
    recycle: (reason, detail, worker) => asked.push({ reason, detail, worker }),
    memoryAgain: (worker) => again.push(worker),
    replacing: (worker) => replacing.has(worker),
    waitUntil: () => (wait.until !== undefined && clock.now() < wait.until ? wait.until : undefined),
    processOf: (worker) => processes.get(worker),
  });
  return { w, asked, again, clock, history, replacing, wait, processes };
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
    assert.equal(asked[0]!.worker, undefined, 'every worker');
    assert.equal(new Date(clock.now()).getHours(), 3);
    assert.equal(new Date(clock.now()).getMinutes(), 30);
    clock.advance((19 * 60 + 30) * 60_000);
    assert.deepEqual(asked.map((a) => a.reason), ['schedule', 'schedule'], 'and at the next time of the schedule');
    assert.equal(new Date(clock.now()).getHours(), 23);
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
    clock.advance(3_600_000);
    assert.deepEqual(asked.map((a) => a.reason), ['time', 'time'], 'and every `time` seconds after');
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

  it('asks for each worker that answered its requests, and not again for one being replaced', () => {
    const { w, asked, replacing } = watch({ requests: 10 });
    w.servedLimit('a#1', 7);
    replacing.add('a#1');
    w.servedLimit('a#1', 7);
    w.servedLimit('a#2', 8);
    assert.deepEqual(asked.map((a) => a.worker), ['a#1', 'a#2']);
    assert.equal(asked[1]!.detail, 'a#2 answered 10 requests');
  });

  // Regression: a worker past its requests whose replacement failed served on for ever, since
  // the router asks at the limit only; a memory recycle was asked again at its next sample.
  it('asks again for a requests recycle whose replacement failed once the wait is over, by a timer, not a request', () => {
    const { w, asked, clock, replacing, wait, processes } = watch({ requests: 10 });
    processes.set('a#1', 7);
    w.servedLimit('a#1', 7);
    assert.equal(asked.length, 1);
    // The replacement failed: the pool waits 2 s before the next new worker.
    wait.until = clock.now() + 2_000;
    w.notReplaced('a#1');
    clock.advance(1_999);
    assert.equal(asked.length, 1, 'not during the wait');
    clock.advance(1);
    assert.deepEqual(asked.map((a) => [a.reason, a.worker]), [['requests', 'a#1'], ['requests', 'a#1']]);
    // It worked: a#1 is replaced and forgotten; nothing is asked again.
    replacing.add('a#1');
    w.forget('a#1');
    w.notReplaced('a#1');
    clock.advance(120_000);
    assert.equal(asked.length, 2);
  });

  it('asks for a requests limit reached during a wait at its end, and not for a process that ended meanwhile', () => {
    const { w, asked, clock, wait, processes } = watch({ requests: 10 });
    wait.until = clock.now() + 4_000;
    processes.set('a#1', 7);
    processes.set('a#2', 8);
    w.servedLimit('a#1', 7);
    w.servedLimit('a#2', 8);
    assert.equal(asked.length, 0, 'nothing while new workers wait');
    // a#2's process crashed and was restarted in its slot: the new one has answered nothing yet.
    processes.set('a#2', 9);
    clock.advance(4_000);
    assert.deepEqual(asked.map((a) => a.worker), ['a#1']);
    clock.advance(120_000);
    assert.equal(asked.length, 1, 'asked once at the end of the wait, no more');
  });

  it('reports a memory limit passed again within a minute of a memory recycle instead of recycling again', () => {
    const { w, asked, again, clock, replacing } = watch({ memory: 100, memorySamples: 1 });
    w.sampled('a#1', 7, 150 * mib);
    assert.equal(asked.length, 1);
    // Regression: the worker being replaced was restarted as "again" while its replacement started.
    replacing.add('a#1');
    w.sampled('a#1', 7, 150 * mib);
    assert.deepEqual(again, [], 'the worker being replaced is left alone');
    // a#2 replaced it; another worker over the limit is a recycle of its own, not "again".
    w.replacedForMemory('a#2');
    w.forget('a#1');
    w.sampled('a#3', 5, 150 * mib);
    assert.deepEqual(asked.map((a) => a.worker), ['a#1', 'a#3']);
    clock.advance(59_000);
    w.sampled('a#2', 8, 150 * mib);
    assert.equal(asked.length, 2);
    assert.deepEqual(again, ['a#2']);
    clock.advance(2_000);
    w.sampled('a#2', 9, 150 * mib);
    assert.deepEqual(asked.map((a) => a.worker), ['a#1', 'a#3', 'a#2'], 'a minute after its memory recycle, it is a leak that took its time');
  });

  it('refuses a wrong value naming its key', () => {
    assert.throws(() => validateRecycling({ ...recyclingDefaults, schedule: ['3:00'] }), /recycling\.schedule.*HH:MM/);
    assert.throws(() => validateRecycling({ ...recyclingDefaults, memorySamples: 0 }), /recycling\.memorySamples/);
  });
});
