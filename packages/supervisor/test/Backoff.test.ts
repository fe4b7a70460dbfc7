import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay } from '../src/index.ts';

describe('Backoff', () => {
  describe('#backoffDelay', () => {
    it('grows by the factor from min and stops at max', () => {
      const backoff = { min: 0.1, max: 1, factor: 3 };
      assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(backoff, n, () => 0)), [100, 300, 900, 1000]);
    });

    it('stays within [delay, delay × (1 + jitter)] for any random draw', () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 30 }), (r, attempt) => {
          const backoff = { min: 1, max: 20, jitter: 0.5 };
          const plain = backoffDelay(backoff, attempt, () => 0);
          const delay = backoffDelay(backoff, attempt, () => r);
          return delay >= plain && delay <= Math.round(plain * 1.5);
        }),
        { interruptAfterTimeLimit: 2_000 },
      );
    });
  });
});
