import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { IdleWatch } from '../src/IdleWatch.ts';

function watch(idleTimeout: number) {
  const clock = new SimulatedClock();
  const state = { answered: 0, busy: false, idle: 0 };
  const w = new IdleWatch({ clock, idleTimeout, answered: () => state.answered, busy: () => state.busy, onIdle: () => state.idle++ });
  return { w, clock, state };
}

describe('IdleWatch', () => {
  it('calls the pool idle once no request ended for idleTimeout, at most a tenth of it late', () => {
    const { w, clock, state } = watch(100);
    w.start();
    clock.advance(99_999);
    assert.equal(state.idle, 0);
    clock.advance(10_000);
    assert.equal(state.idle, 1);
    assert.equal(clock.pendingTimers, 0, 'it stops looking once it said so');
  });

  it('counts a request that ended, one in flight, and one seen by a front process as activity', () => {
    const { w, clock, state } = watch(100);
    w.start();
    clock.advance(90_000);
    state.answered++;
    clock.advance(90_000);
    state.busy = true;
    clock.advance(200_000);
    assert.equal(state.idle, 0, 'a request in flight for longer than idleTimeout keeps it');
    state.busy = false;
    clock.advance(50_000);
    w.noteActivity();
    clock.advance(99_000);
    assert.equal(state.idle, 0);
    clock.advance(20_000);
    assert.equal(state.idle, 1);
  });

  it('does nothing with idleTimeout 0', () => {
    const { w, clock } = watch(0);
    w.start();
    assert.equal(clock.pendingTimers, 0);
  });
});
