import assert from 'node:assert/strict';
import { SimulatedClock } from '../src/index.ts';

describe('SimulatedClock', () => {
  it('fires timers in due order, each seeing its own due time as now', () => {
    const clock = new SimulatedClock();
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
    clock.advance(1000);
    assert.deepEqual(seen, ['a@100', 'b@200']);
    assert.equal(clock.now(), 1000);
  });

  it('fires a timer scheduled by a timer within the same advance', () => {
    const clock = new SimulatedClock();
    const seen: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => seen.push(clock.now()), 50), 100);
    clock.advance(150);
    assert.deepEqual(seen, [150]);
  });

  it('does not fire a cleared timer and counts pending ones', () => {
    const clock = new SimulatedClock();
    const id = clock.setTimeout(() => assert.fail('cleared'), 10);
    clock.setTimeout(() => {}, 20);
    assert.equal(clock.pendingTimers, 2);
    clock.clearTimeout(id);
    clock.advance(30);
    assert.equal(clock.pendingTimers, 0);
  });

  it('refuses to go backwards', () => {
    assert.throws(() => new SimulatedClock().advance(-1), RangeError);
    assert.throws(() => new SimulatedClock().holdUp(-1), RangeError);
    assert.throws(() => new SimulatedClock().holdUp(Number.NaN), RangeError);
  });

  // A process held up (a long synchronous task, a GC pause, a debugger) runs its timers late and
  // all at once: each sees the time at the end of the hold-up, not its own due time, which is
  // what code that measures lateness must be tested against.
  it('holds the process up: time jumps, then the timers due meanwhile fire late, in due order', () => {
    const clock = new SimulatedClock();
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => seen.push(`later@${clock.now()}`), 5000);
    clock.holdUp(1000);
    assert.deepEqual(seen, ['a@1000', 'b@1000']);
    assert.equal(clock.now(), 1000);
    assert.equal(clock.pendingTimers, 1, 'the timer not yet due waits');
    clock.advance(4000);
    assert.deepEqual(seen.at(-1), 'later@5000');
  });

  it('fires in a hold-up only the timers due by its end, not those they set, and none a fired one cleared', () => {
    const clock = new SimulatedClock();
    const seen: string[] = [];
    const second = clock.setTimeout(() => seen.push('cleared'), 20);
    clock.setTimeout(() => {
      clock.clearTimeout(second);
      // Set late, due from the end of the hold-up: the event loop runs it on a later turn.
      clock.setTimeout(() => seen.push(`set@${clock.now()}`), 0);
    }, 10);
    clock.holdUp(100);
    assert.deepEqual(seen, []);
    clock.advance(0);
    assert.deepEqual(seen, ['set@100']);
  });
});
