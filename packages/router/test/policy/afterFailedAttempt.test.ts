import assert from 'node:assert/strict';
import { afterFailedAttempt, isFailedStart, MAX_FAILED_STARTS, MAX_SENT_FAILURES, type FailedAttempt } from '../../src/internal/policy/afterFailedAttempt.ts';

const first: FailedAttempt = { attempts: 1, backendAnswered: false, requestSent: false, bodyHeld: true, method: 'POST' };
const get = { ...first, method: 'GET', requestSent: true };

describe('afterFailedAttempt', () => {
  it('retries any method whose request never reached a backend', () => {
    assert.equal(afterFailedAttempt(first), 'retry');
  });

  it('retries a sent request only for an idempotent method', () => {
    assert.equal(afterFailedAttempt({ ...first, requestSent: true }), 'fail');
    assert.equal(afterFailedAttempt({ ...first, requestSent: true, method: 'PUT' }), 'retry');
  });

  it('never retries twice, after the backend answered, or without the whole body', () => {
    assert.equal(afterFailedAttempt({ ...get, attempts: 2 }), 'fail');
    assert.equal(afterFailedAttempt({ ...get, backendAnswered: true }), 'fail');
    assert.equal(afterFailedAttempt({ ...get, bodyHeld: false }), 'fail');
  });

  // Issue 20: gunicorn's master passes a TCP readiness check before its worker has imported the app.
  it('waits for the next upstream after a failed start, without counting it against the request', () => {
    assert.equal(afterFailedAttempt({ ...get, attempts: 2, failedStarts: 1, failedStart: true }), 'retry');
    // Two failed starts and one failure of the request's own: the request still has its retry.
    assert.equal(afterFailedAttempt({ ...get, attempts: 3, failedStarts: 2 }), 'retry');
    assert.equal(afterFailedAttempt({ ...get, attempts: 4, failedStarts: 2 }), 'fail');
  });

  it('gives a failed start that cannot be sent again the start-up failure answer, never a bare 502', () => {
    assert.equal(afterFailedAttempt({ ...first, requestSent: true, failedStarts: 1, failedStart: true }), 'start-failed');
    assert.equal(afterFailedAttempt({ ...get, bodyHeld: false, failedStarts: 1, failedStart: true }), 'start-failed');
    // A POST that never reached the backend (a refused connect) can still wait for the next one.
    assert.equal(afterFailedAttempt({ ...first, failedStarts: 1, failedStart: true }), 'retry');
  });

  it('answers after MAX_FAILED_STARTS failed starts however many fresh upstreams are offered', () => {
    const starts = (n: number) => afterFailedAttempt({ ...get, attempts: n, failedStarts: n, failedStart: true });
    assert.equal(starts(MAX_FAILED_STARTS - 1), 'retry');
    assert.equal(starts(MAX_FAILED_STARTS), 'start-failed');
  });

  // A query of death: a GET whose every try kills the process it reaches looks, from the second
  // process on, like a failed start; it took down a fresh worker at each of the 16 waits.
  it('offers a request to no third upstream once two failed with it in hand, failed starts included', () => {
    assert.equal(MAX_SENT_FAILURES, 2);
    assert.equal(afterFailedAttempt({ ...get, failedStarts: 1, failedStart: true, sentFailures: 1 }), 'retry');
    assert.equal(afterFailedAttempt({ ...get, attempts: 2, failedStarts: 1, failedStart: true, sentFailures: 2 }), 'start-failed');
    // The request's own failure after a failed start that had it: two processes failed with it.
    assert.equal(afterFailedAttempt({ ...get, attempts: 2, failedStarts: 1, sentFailures: 2 }), 'fail');
    // Failed starts that never had it (refused connects) do not count.
    assert.equal(afterFailedAttempt({ ...first, attempts: 5, failedStarts: 5, failedStart: true, sentFailures: 0 }), 'retry');
  });
});

describe('isFailedStart', () => {
  it('is a failure before any response byte from an upstream that never answered', () => {
    assert.equal(isFailedStart(false, false), true);
    assert.equal(isFailedStart(true, false), false, 'it answered this request: the failure is the request\'s');
    assert.equal(isFailedStart(false, true), false, 'it answered before');
    assert.equal(isFailedStart(false, undefined), false, 'a dispatch that does not say: the request\'s own failure');
  });
});
