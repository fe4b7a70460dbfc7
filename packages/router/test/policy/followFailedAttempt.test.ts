import assert from 'node:assert/strict';
import type { Dispatch, DispatchAnswer, ForwarderEvent, RetryChoice, Upstream } from '@portico/router';
import type { FailureVerdict } from '../../src/internal/policy/afterFailedAttempt.ts';
import { followFailedAttempt } from '../../src/internal/policy/followFailedAttempt.ts';

const upstream: Upstream = { id: 'a', address: { host: '127.0.0.1', port: 1 }, token: 't' };
const other: Upstream = { id: 'b', address: { host: '127.0.0.1', port: 2 }, token: 't' };
const page: DispatchAnswer = { kind: 'respond', status: 502, body: 'starting failed' };

type Forward = Dispatch & { readonly kind: 'forward' };

/** Follows `verdict` for `dispatch` and records, in order, what the exchange was told. */
function follow(verdict: FailureVerdict, dispatch: Forward): { told: string[]; events: ForwarderEvent[]; chosen: Promise<RetryChoice> } {
  const told: string[] = [];
  const events: ForwarderEvent[] = [];
  let choose!: (choice: RetryChoice) => void;
  const chosen = new Promise<RetryChoice>((resolve) => (choose = resolve));
  followFailedAttempt({ verdict, dispatch, upstream, error: new Error('refused'), failedStart: verdict === 'start-failed', onEvent: (e) => events.push(e) }, {
    onRetryChoice: (choice) => {
      told.push('choice');
      choose(choice);
    },
    onNoRetry: () => told.push('no retry'),
    onRetrying: () => told.push('retrying'),
  });
  return { told, events, chosen };
}

describe('followFailedAttempt', () => {
  it('reports upstream.failed, saying whether the request is retried', () => {
    const retried = follow('retry', { kind: 'forward', upstream, retry: () => other });
    const failed = follow('fail', { kind: 'forward', upstream });
    assert.deepEqual(retried.events.map((e) => e.type === 'upstream.failed' && [e.upstreamId, e.retried]), [['a', true]]);
    assert.deepEqual(failed.events.map((e) => e.type === 'upstream.failed' && [e.upstreamId, e.retried]), [['a', false]]);
  });

  it('gives a failed start the dispatch failure answer, and asks no retry', async () => {
    let asked = false;
    const { told, chosen } = follow('start-failed', { kind: 'forward', upstream, failureAnswer: () => page, retry: () => ((asked = true), other) });
    assert.equal(await chosen, page);
    assert.deepEqual(told, ['choice']);
    assert.equal(asked, false);
  });

  it('gives up on fail without asking the dispatch', () => {
    let asked = false;
    const { told } = follow('fail', { kind: 'forward', upstream, retry: () => ((asked = true), other) });
    assert.deepEqual(told, ['no retry']);
    assert.equal(asked, false);
  });

  it('readies the retry before asking the dispatch for the next upstream', async () => {
    const { told, chosen } = follow('retry', { kind: 'forward', upstream, retry: () => other });
    assert.equal(await chosen, other);
    assert.deepEqual(told, ['retrying', 'choice']);
  });

  it('waits for a choice the router has yet to make, and reads a rejected one as none', async () => {
    const waited = follow('retry', { kind: 'forward', upstream, retry: () => Promise.resolve(other) });
    assert.deepEqual(waited.told, ['retrying']);
    assert.equal(await waited.chosen, other);
    const rejected = follow('retry', { kind: 'forward', upstream, retry: () => Promise.reject(new Error('no worker')) });
    assert.equal(await rejected.chosen, undefined);
  });

  it('reads a retry callback that throws as no upstream (a bare 502), not a crash', async () => {
    const { chosen } = follow('retry', {
      kind: 'forward',
      upstream,
      retry: () => {
        throw new Error('router bug');
      },
    });
    assert.equal(await chosen, undefined);
  });
});
