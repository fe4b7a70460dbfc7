import assert from 'node:assert/strict';
import { SimulatedClock, type Clock } from '@portico/supervisor';
import { ElasticScaling, validateElasticity, type Elasticity } from '../src/ElasticScaling.ts';

/** A pool of `loads.length` ready workers whose changes complete when the test says. */
function scaling(elasticity: Partial<Elasticity> = {}, clock = new SimulatedClock(), looksAt: Clock = clock) {
  const loads: number[] = [0];
  // Most in flight at once since the last look beyond what `loads` shows now (the fronts' peaks).
  let peak = 0;
  const changes: string[] = [];
  let finish: (() => void) | undefined;
  const change = (what: string, apply: () => void) => () =>
    new Promise<void>((resolve) => {
      changes.push(what);
      finish = () => {
        apply();
        resolve();
      };
    });
  const watch = new ElasticScaling({
    elasticity: { min: 1, max: 3, idleTime: 10, busyRequests: 1, ...elasticity },
    clock: looksAt,
    inFlight: () => loads,
    demand: () => {
      const most = Math.max(peak, loads.reduce((a, b) => a + b, 0));
      peak = 0;
      return most;
    },
    count: () => loads.length,
    steady: () => true,
    held: () => false,
    grow: change('grow', () => loads.push(0)),
    shrink: change('shrink', () => loads.pop()),
  });
  const done = async () => {
    finish!();
    finish = undefined;
    await new Promise((resolve) => setImmediate(resolve));
  };
  const burst = (n: number) => {
    peak = n;
  };
  return { clock, loads, changes, watch, done, burst };
}

describe('ElasticScaling', () => {
  it('grows by one when every ready worker is busy, one change at a time, and never past max', async () => {
    const { loads, changes, watch, done } = scaling();
    watch.start();
    loads[0] = 1;
    watch.busy();
    watch.busy();
    assert.deepEqual(changes, ['grow'], 'one start at a time');
    await done();
    assert.equal(loads.length, 2);
    // The new worker is idle: not every worker is busy.
    watch.busy();
    assert.deepEqual(changes, ['grow']);
    loads[1] = 1;
    watch.busy();
    await done();
    loads[2] = 1;
    watch.busy();
    assert.equal(loads.length, 3);
    assert.deepEqual(changes, ['grow', 'grow'], 'no fourth above max');
    watch.stop();
  });

  // Late reports (issue 21): the control process held up, a look's timer runs before the fronts'
  // reports of that time are read. Before, it judged on the reports from before the hold-up,
  // quiet, and retired a worker the fronts had needed meanwhile.
  it('counts no time after the look before it as idle at a look that comes late (the event loop held up)', async () => {
    const { clock, loads, changes, watch, done, burst } = scaling();
    loads.push(0);
    watch.start();
    // The event loop held up for 30 s: the look due at 1 s runs at 30 s.
    clock.holdUp(30_000);
    assert.deepEqual(changes, [], 'the look 29 s late retired nothing');
    // Read after it: the fronts had both workers busy during the hold-up.
    burst(2);
    clock.advance(1_000);
    clock.advance(9_000);
    assert.deepEqual(changes, [], 'needed at the look after it, on time');
    clock.advance(1_000);
    assert.deepEqual(changes, ['shrink'], 'idleTime after that need');
    await done();
    watch.stop();
  });

  // Review of issue 21: a look more than a second late decided nothing, so a control process
  // late at every look (a busy machine, every timer 1.2 s behind) never shrank a pool.
  it('shrinks a pool whose every look comes late, judging each on the time up to the look before it', async () => {
    const clock = new SimulatedClock();
    // Every timer runs 1.2 s after its time; the clock itself is true.
    const looksAt: Clock = { now: () => clock.now(), setTimeout: (fn, ms) => clock.setTimeout(fn, ms + 1200), clearTimeout: (handle) => clock.clearTimeout(handle) };
    const { changes, loads, watch, done } = scaling({}, clock, looksAt);
    loads.push(0);
    watch.start();
    // Looks at 2.2, 4.4, 6.6, 8.8, 11 and 13.2 s; the one at 13.2 s judges up to 11 s.
    clock.advance(13_199);
    assert.deepEqual(changes, [], 'not before idleTime has passed up to a look already read');
    clock.advance(1);
    assert.deepEqual(changes, ['shrink']);
    await done();
    assert.equal(loads.length, 1);
    watch.stop();
  });

  it('shrinks one worker at a time, down to min, once the pool has not needed its last worker for idleTime', async () => {
    const { clock, loads, changes, watch, done } = scaling({ busyRequests: 2 });
    loads.push(0, 0);
    watch.start();
    // 3 in flight over 3 workers: 2 are needed (2 per worker), so the third goes after idleTime.
    loads[0] = 2;
    loads[1] = 1;
    clock.advance(9_999);
    assert.deepEqual(changes, []);
    clock.advance(1);
    assert.deepEqual(changes, ['shrink']);
    await done();
    assert.equal(loads.length, 2);
    // Still 3 in flight: both remaining workers are needed, however long.
    clock.advance(60_000);
    assert.deepEqual(changes, ['shrink']);
    loads[0] = 0;
    loads[1] = 0;
    clock.advance(10_000);
    assert.deepEqual(changes, ['shrink', 'shrink']);
    await done();
    clock.advance(60_000);
    assert.equal(loads.length, 1, 'never below min');
    assert.deepEqual(changes, ['shrink', 'shrink']);
    watch.stop();
  });

  it('keeps a worker the pool needed between two looks: a dip at every look is not idleness', async () => {
    const { clock, loads, changes, watch, burst } = scaling({ idleTime: 1 });
    loads.push(0, 0);
    watch.start();
    // Three requests at once between every two looks, none at the looks themselves: the peaks
    // since the last look, not the loads of the moment, say what the pool needs.
    for (let t = 0; t < 50; t++) {
      burst(3);
      clock.advance(100);
    }
    assert.deepEqual(changes, [], 'never shrunk while every worker was needed in each tenth of idleTime');
    clock.advance(1_000);
    assert.deepEqual(changes, ['shrink'], 'shrunk once the bursts stopped for idleTime');
    watch.stop();
  });

  it('refuses a maximum below the minimum, naming maxProcesses', () => {
    assert.throws(() => validateElasticity({ min: 3, max: 2, idleTime: 300, busyRequests: 1 }), /maxProcesses.*processesPerApplication \(3\)/);
    assert.throws(() => validateElasticity({ min: 1, max: 2, idleTime: 0, busyRequests: 1 }), /processIdleTime/);
  });
});
