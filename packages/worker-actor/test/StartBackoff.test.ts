import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { StartBackoff } from '../src/internal/StartBackoff.ts';

describe('StartBackoff', () => {
  it('waits 1 s after a failed start, doubling to 60 s while starts keep failing', () => {
    const clock = new SimulatedClock();
    const backoff = new StartBackoff(clock);
    assert.ok(backoff.allows());
    const waits = Array.from({ length: 9 }, () => {
      const wait = backoff.failed();
      assert.ok(!backoff.allows(), 'no start right after a failed one');
      clock.advance(wait - 1);
      assert.ok(!backoff.allows(), 'nor a millisecond before the wait is over');
      clock.advance(1);
      assert.ok(backoff.allows());
      return wait / 1000;
    });
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    assert.equal(backoff.failures, 9);
  });

  it('needs no wait after a start that worked, and counts from 1 again', () => {
    const clock = new SimulatedClock();
    const backoff = new StartBackoff(clock);
    backoff.failed();
    backoff.failed();
    assert.equal(backoff.retryAt, clock.now() + 2000);
    backoff.succeeded();
    assert.ok(backoff.allows());
    assert.equal(backoff.retryAt, undefined);
    assert.equal(backoff.failed(), 1000);
    assert.equal(backoff.failures, 1);
  });
});
