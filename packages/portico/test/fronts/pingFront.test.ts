import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { pingFront } from '../../src/fronts/pingFront.ts';

/** A ping of one front on the simulated clock: interval 2 s, response time 10 s. */
function pinged() {
  const clock = new SimulatedClock();
  const pings: number[] = [];
  const verdicts: number[] = [];
  const ping = pingFront({ clock, interval: () => 2000, responseTime: () => 10_000, ping: (id) => pings.push(id), unresponsive: (silent) => verdicts.push(silent) });
  return { clock, pings, verdicts, ping };
}

describe('pingFront', () => {
  it('pings every interval and lets a front that answers live', () => {
    const { clock, pings, verdicts, ping } = pinged();
    for (let i = 0; i < 20; i++) {
      clock.advance(2000);
      ping.answered();
    }
    assert.equal(pings.length, 21);
    assert.deepEqual(verdicts, []);
  });

  it('gives a front 30 s (or three response times, if more) for its first answer, from its start', () => {
    const { clock, verdicts } = pinged();
    clock.advance(30_000);
    assert.deepEqual(verdicts, []);
    clock.advance(2000);
    assert.deepEqual(verdicts, [32_000]);
  });

  it('finds a front silent for longer than the response time, once, and pings it no more', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.answered();
    clock.advance(10_000);
    assert.deepEqual(verdicts, [], 'silent for exactly the response time: not yet');
    clock.advance(2000);
    assert.deepEqual(verdicts, [12_000]);
    const sent = pings.length;
    clock.advance(60_000);
    assert.equal(pings.length, sent);
    assert.deepEqual(verdicts, [12_000]);
  });

  it('counts silence from the last answer, whichever ping it answers', () => {
    const { clock, verdicts, ping } = pinged();
    ping.answered();
    clock.advance(9000);
    ping.answered();
    clock.advance(10_000);
    assert.deepEqual(verdicts, []);
    clock.advance(2000);
    // At the check at 20 s: 11 s since the answer at 9 s.
    assert.deepEqual(verdicts, [11_000]);
  });

  it('stops', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.stop();
    clock.advance(60_000);
    assert.deepEqual([pings.length, verdicts.length], [1, 0]);
  });
});
