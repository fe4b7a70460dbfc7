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
  });
});
