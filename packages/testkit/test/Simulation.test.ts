import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Simulation, SimulationStuckError, seededRandom } from '../src/index.ts';

describe('Simulation', () => {
  it('fires due timers in due order, each at its own time', async () => {
    const sim = new Simulation();
    const fired: string[] = [];
    sim.clock.setTimeout(() => fired.push(`b@${sim.now}`), 30);
    sim.clock.setTimeout(() => fired.push(`a@${sim.now}`), 10);
    sim.clock.setTimeout(() => fired.push(`c@${sim.now}`), 31);
    await sim.advance(30);
    assert.deepEqual(fired, ['a@10', 'b@30']);
    assert.equal(sim.now, 30);
  });

  it('lets an awaited continuation run before the next timer of the same instant', async () => {
    const sim = new Simulation();
    const order: string[] = [];
    sim.clock.setTimeout(async () => {
      order.push('first');
      await Promise.resolve();
      await new Promise<void>((resolve) => process.nextTick(resolve));
      order.push('first, after awaiting');
    }, 10);
    sim.clock.setTimeout(() => order.push('second'), 10);
    await sim.advance(10);
    assert.deepEqual(order, ['first', 'first, after awaiting', 'second']);
  });

  it('does not fire a timer cleared by an earlier timer of the same instant', async () => {
    const sim = new Simulation();
    const fired: string[] = [];
    let second: unknown;
    sim.clock.setTimeout(() => {
      fired.push('first');
      sim.clock.clearTimeout(second);
    }, 5);
    second = sim.clock.setTimeout(() => fired.push('second'), 5);
    await sim.advance(10);
    assert.deepEqual(fired, ['first']);
    assert.equal(sim.clock.pendingTimers, 0);
  });

  it('runs until a promise that waits on timers settles', async () => {
    const sim = new Simulation();
    const slept = new Promise<string>((resolve) => sim.clock.setTimeout(() => resolve('woke'), 5_000));
    assert.equal(await sim.until(slept), 'woke');
    assert.equal(sim.now, 5_000);
  });

  it('waits for a file read in flight before it moves time, however busy the thread pool', async () => {
    // Code under simulation may read files (a router reads app_offline.htm as it starts): the read
    // is real work on libuv's thread pool, done when the pool gets to it, and simulated time must
    // not jump (or give up) meanwhile. Four slow hashes fill the pool first, as load does.
    const sim = new Simulation();
    const hashes = Array.from({ length: 4 }, () => new Promise((resolve) => pbkdf2('p', 's', 300_000, 32, 'sha256', resolve)));
    const read = open('/nonexistent/app_offline.htm').then(
      () => 'found',
      (error: NodeJS.ErrnoException) => error.code,
    );
    let readAt: number | undefined;
    void read.then(() => (readAt = sim.now));
    sim.clock.setTimeout(() => {}, 60_000);
    assert.equal(await sim.until(read), 'ENOENT');
    assert.equal(readAt, 0);
    await Promise.all(hashes);
  });

  it('reports a promise that can never settle instead of hanging', async () => {
    const sim = new Simulation();
    await assert.rejects(sim.until(new Promise(() => {})), SimulationStuckError);
  });

  it('reports a timer that reschedules itself at the same instant', async () => {
    const sim = new Simulation({ maxSteps: 100 });
    const loop = () => void sim.clock.setTimeout(loop, 0);
    loop();
    await assert.rejects(sim.advance(1), SimulationStuckError);
  });

  it('stamps trace lines with simulated time', async () => {
    const sim = new Simulation();
    await sim.advance(120);
    sim.note('crash shop#1 code=1');
    assert.deepEqual(sim.trace, ['t=120ms crash shop#1 code=1']);
  });

  it('gives the same random sequence for the same seed, and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    assert.ok(draw(7).every((x) => x >= 0 && x < 1));
  });

  // Regression: the seed was taken modulo 2^32 after a truncation, so NaN (Number(process.env.SEED)
  // with SEED unset), Infinity and 2^32 ran as seed 0, and 1.5 as 1.7: distinct seeds gave one run,
  // silently, and a printed seed named a run it was not.
  it('refuses a seed that is not an integer from -2^31 to 2^32 - 1, naming the option', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 32, -(2 ** 31) - 1, '7' as unknown as number]) {
      assert.throws(() => new Simulation({ seed: bad }), (error: Error) => error instanceof RangeError && /seed/.test(error.message) && error.message.includes(String(bad)), String(bad));
      assert.throws(() => seededRandom(bad), RangeError, String(bad));
    }
    for (const good of [0, -(2 ** 31), 2 ** 32 - 1, -195380010]) assert.equal(new Simulation({ seed: good }).seed, good);
  });

  it('refuses a maxFsWaitMs that is not a duration ≥ 0 (NaN would never give up)', () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new Simulation({ maxFsWaitMs: bad }), (error: Error) => error instanceof RangeError && /maxFsWaitMs/.test(error.message));
    }
  });
});
