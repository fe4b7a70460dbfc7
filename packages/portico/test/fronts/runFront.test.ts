import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import type { ControlMessage, FrontMessage } from '../../src/fronts/FrontMessage.ts';
import { runFront } from '../../src/fronts/runFront.ts';

/** A front run on `clock`, with a channel that keeps what it sends. */
function front(clock: SimulatedClock) {
  const sent: FrontMessage[] = [];
  const listeners: ((message: ControlMessage) => void)[] = [];
  runFront({ send: (message) => sent.push(message), pending: () => 0, onMessage: (listener) => listeners.push(listener), exit: () => {} }, clock);
  return { sent, tell: (message: ControlMessage) => listeners.forEach((listener) => listener(message)) };
}

describe('runFront', () => {
  // Issue 21's review: the report every second ran on Node's timer, not the injected clock.
  it('reports its figures every second of its clock', () => {
    const clock = new SimulatedClock();
    const { sent, tell } = front(clock);
    clock.advance(999);
    assert.equal(sent.length, 0);
    clock.advance(1);
    assert.deepEqual(sent.map((m) => m.type), ['metrics']);
    clock.advance(2000);
    assert.deepEqual(sent.map((m) => m.type), ['metrics', 'metrics', 'metrics']);
    tell({ type: 'close' });
  });
});
