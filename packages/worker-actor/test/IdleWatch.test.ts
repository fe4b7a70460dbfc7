import assert from 'node:assert/strict';
import { SimulatedClock, type Clock } from '@portico/supervisor';
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

  // Late reports (review of issue 21): the control process held up, a look's timer runs before
  // the fronts' reports of that time are read. Before, it judged on the count from before the
  // hold-up and stopped an app the fronts were serving meanwhile.
  it('counts no time after the look before it as idle at a look that comes late (the event loop held up)', () => {
    const clock = new SimulatedClock();
    const state = { answered: 0, idle: 0 };
    const w = new IdleWatch({ clock, idleTimeout: 100, answered: () => state.answered, busy: () => false, onIdle: () => state.idle++ });
    w.start();
    clock.advance(90_000);
    // The event loop held up from 90 s to 115 s.
    clock.holdUp(25_000);
    assert.equal(state.idle, 0, 'the look due at 100 s, run at 115 s, judged only up to 90 s');
    // Read after it: the fronts answered requests during the hold-up.
    state.answered = 7;
    clock.advance(10_000);
    clock.advance(99_000);
    assert.equal(state.idle, 0, 'active at the look after it, on time');
    clock.advance(10_000);
    assert.equal(state.idle, 1);
  });

  // A control process late at every look (a busy machine) still stops an idle app.
  it('calls the pool idle when every look comes late', () => {
    const clock = new SimulatedClock();
    const looksAt: Clock = { now: () => clock.now(), setTimeout: (fn, ms) => clock.setTimeout(fn, ms + 1200), clearTimeout: (handle) => clock.clearTimeout(handle) };
    let idle = 0;
    const w = new IdleWatch({ clock: looksAt, idleTimeout: 10, answered: () => 0, busy: () => false, onIdle: () => idle++ });
    w.start();
    // Looks at 2.2, 4.4, …, 11 and 13.2 s; the one at 13.2 s judges up to 11 s.
    clock.advance(9_999);
    assert.equal(idle, 0, 'never before idleTimeout');
    clock.advance(3_201);
    assert.equal(idle, 1);
  });

  it('does nothing with idleTimeout 0', () => {
    const { w, clock } = watch(0);
    w.start();
    assert.equal(clock.pendingTimers, 0);
  });
});
