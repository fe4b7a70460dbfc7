import assert from 'node:assert/strict';
import { mayRetry, type FailedAttempt } from '../../src/internal/policy/mayRetry.ts';

const first: FailedAttempt = { attempts: 1, backendAnswered: false, requestSent: false, bodyHeld: true, method: 'POST' };

describe('mayRetry', () => {
  it('retries any method whose request never reached a backend', () => {
    assert.equal(mayRetry(first), true);
  });

  it('retries a sent request only for an idempotent method', () => {
    assert.equal(mayRetry({ ...first, requestSent: true }), false);
    assert.equal(mayRetry({ ...first, requestSent: true, method: 'PUT' }), true);
  });

  it('never retries twice, after the backend answered, or without the whole body', () => {
    const get = { ...first, method: 'GET' };
    assert.equal(mayRetry({ ...get, attempts: 2 }), false);
    assert.equal(mayRetry({ ...get, backendAnswered: true }), false);
    assert.equal(mayRetry({ ...get, requestSent: true, bodyHeld: false }), false);
  });
});
