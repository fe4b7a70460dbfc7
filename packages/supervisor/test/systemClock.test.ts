import assert from 'node:assert/strict';
import { systemClock } from '../src/index.ts';

describe('systemClock', () => {
  it('fires a timer no sooner than now() says it is due', async () => {
    // Node's timers run on the event loop's clock, whole milliseconds cut down, while now() has
    // fractions: a bare setTimeout fired up to 1 ms before now() reached start + ms (3 in 200), and a
    // failed pool started again before the retryAt it had published. 40 chains of 25 timers each
    // start at every fraction of a millisecond.
    const early: string[] = [];
    const chain = async () => {
      for (let hop = 0; hop < 25; hop++) {
        const due = systemClock.now() + 2;
        await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 2));
        const now = systemClock.now();
        if (now < due) early.push(`${(due - now).toFixed(3)} ms early`);
      }
    };
    await Promise.all(Array.from({ length: 40 }, chain));
    assert.deepEqual(early, []);
  });

  // The router's deadlines and its idle-connection sweep unref their timers, so that they never
  // keep a host's process alive on their own; since the clock's handles became its own objects,
  // `unref` was not there, and the optional call did nothing.
  it('unrefs a timer', () => {
    const timer = systemClock.setTimeout(() => {}, 30_000) as { unref?: () => unknown; node?: NodeJS.Timeout };
    assert.equal(typeof timer.unref, 'function');
    timer.unref!();
    assert.equal(timer.node!.hasRef(), false);
    systemClock.clearTimeout(timer);
  });
});
