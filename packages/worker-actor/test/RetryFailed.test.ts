import assert from 'node:assert/strict';
import { RetryFailedSchedule, validateRetryFailed } from '../src/RetryFailed.ts';

describe('RetryFailedSchedule', () => {
  it('holds a failed pool min seconds, doubling for each failure in a row, up to max', () => {
    const schedule = new RetryFailedSchedule({ min: 60, max: 600 });
    let now = 0;
    const holds: number[] = [];
    for (let i = 0; i < 6; i++) {
      const hold = schedule.failed(now);
      holds.push(hold / 1000);
      now += hold;
      schedule.retried(now);
      now += 30_000; // it fails again 30 s after each retry
    }
    assert.deepEqual(holds, [60, 120, 240, 480, 600, 600]);
  });

  it('starts over at min when a failure comes more than max seconds after the last retry', () => {
    const schedule = new RetryFailedSchedule({ min: 60, max: 600 });
    schedule.failed(0);
    schedule.retried(60_000);
    assert.equal(schedule.failed(90_000), 120_000);
    schedule.retried(210_000);
    assert.equal(schedule.failed(210_000 + 600_001), 60_000);
  });

  it('refuses a max below min, naming the option', () => {
    assert.throws(() => validateRetryFailed({ min: 60, max: 10 }), /retryFailed\.max/);
    assert.throws(() => validateRetryFailed({ min: 0, max: 10 }), /retryFailed\.min/);
  });
});
