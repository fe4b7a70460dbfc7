import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { Deadline } from '../../src/internal/forward/Deadline.ts';

/** A deadline on simulated time, with how often it has expired. */
function simulated(): { clock: SimulatedClock; deadline: Deadline; expired: () => number } {
  const clock = new SimulatedClock();
  let count = 0;
  const deadline = new Deadline(clock, () => count++);
  return { clock, deadline, expired: () => count };
}

describe('Deadline', () => {
  it('expires once, at the time last set', () => {
    const { clock, deadline, expired } = simulated();
    deadline.set(100);
    clock.advance(60);
    deadline.set(100);
    clock.advance(99);
    assert.equal(expired(), 0);
    clock.advance(1);
    assert.equal(expired(), 1);
    clock.advance(1000);
    assert.equal(expired(), 1);
  });

  it('makes no timer when pushed later: one pending timer however often it is set', () => {
    const { clock, deadline } = simulated();
    for (let i = 0; i < 1000; i++) {
      deadline.set(5_000);
      clock.advance(1);
    }
    assert.equal(clock.pendingTimers, 1);
  });

  it('replaces the pending timer when moved earlier', () => {
    const { clock, deadline, expired } = simulated();
    deadline.set(1_000);
    deadline.set(10);
    clock.advance(10);
    assert.equal(expired(), 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('does not expire once cleared, and disposing drops its timer', () => {
    const { clock, deadline, expired } = simulated();
    deadline.set(10);
    deadline.clear();
    clock.advance(20);
    assert.equal(expired(), 0);
    deadline.set(10);
    deadline.dispose();
    assert.equal(clock.pendingTimers, 0);
  });

  it('holds: repeated holds keep the due time of the first, and set or clear ends the hold', () => {
    const { clock, deadline, expired } = simulated();
    deadline.hold(100);
    clock.advance(60);
    deadline.hold(100);
    clock.advance(39);
    assert.equal(expired(), 0);
    clock.advance(1);
    assert.equal(expired(), 1, 'due 100 after the first hold, not after the second');
    // An expired hold is over: the next one starts a new wait.
    deadline.hold(100);
    clock.advance(99);
    assert.equal(expired(), 1);
    clock.advance(1);
    assert.equal(expired(), 2);
    // set ends the hold, so a hold after it starts over from then.
    deadline.hold(100);
    clock.advance(50);
    deadline.set(100);
    deadline.hold(100);
    clock.advance(99);
    assert.equal(expired(), 2);
    clock.advance(1);
    assert.equal(expired(), 3);
  });
});
