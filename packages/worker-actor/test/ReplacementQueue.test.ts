import assert from 'node:assert/strict';
import { ReplacementQueue } from '../src/internal/ReplacementQueue.ts';
import type { ReplacementFailure } from '../src/index.ts';

/**
 * A queue over a pool of named workers whose replacements the test finishes one by one: each
 * replacement waits until `finish(failure?)`; a successful one renames the worker as a pool does
 * (the lowest free name goes to the new worker, the old one's name is freed).
 */
function queue(initial: string[]) {
  let workers = [...initial];
  const started: string[] = [];
  let finishing: ((failure?: ReplacementFailure) => void) | undefined;
  const q = new ReplacementQueue(
    (worker, _reason, switched) =>
      new Promise<ReplacementFailure | undefined>((resolve) => {
        assert.equal(finishing, undefined, `${worker}'s replacement began while another was under way`);
        started.push(worker);
        finishing = (failure) => {
          finishing = undefined;
          if (!failure) {
            let n = 1;
            while (workers.includes(`shop#${n}`)) n++;
            workers = [...workers.filter((w) => w !== worker), `shop#${n}`];
            switched();
          }
          resolve(failure);
        };
      }),
    () => workers,
  );
  /** Lets the replacement under way end, once the queue has begun it. */
  const finish = async (failure?: ReplacementFailure) => {
    while (!finishing) await Promise.resolve();
    finishing(failure);
  };
  /** Resolves once `count` replacements have begun. */
  const begun = async (count: number) => {
    while (started.length < count) await Promise.resolve();
  };
  return { q, started, finish, begun, workers: () => workers };
}

describe('ReplacementQueue', () => {
  it('restarts every worker one at a time, taking the workers there when its turn comes', async () => {
    const { q, started, finish, workers } = queue(['shop#1', 'shop#2']);
    q.add(['shop#1'], 'requests');
    const restart = q.restartAll('restart');
    assert.ok(q.has('shop#2'), 'a restart waiting covers every worker, so a recycle does not queue it again');
    await finish(); // the recycle of shop#1: shop#3 replaces it
    await finish();
    await finish();
    assert.deepEqual(await restart, { ok: true });
    // The recycle's new worker (shop#3) was there when the restart's turn came: it was replaced too.
    assert.deepEqual(started, ['shop#1', 'shop#2', 'shop#3']);
    assert.equal(workers().length, 2);
    assert.equal(q.active, false);
  });

  it('stops a restart at its first failure and says which; the workers after it are not touched', async () => {
    const { q, started, finish } = queue(['shop#1', 'shop#2', 'shop#3']);
    const restart = q.restartAll('restart');
    await finish();
    await finish({ worker: 'shop#2', replacement: 'shop#1', error: 'shop#1 failed to start, code 3' });
    assert.deepEqual(await restart, { ok: false, failure: { worker: 'shop#2', replacement: 'shop#1', error: 'shop#1 failed to start, code 3' } });
    assert.deepEqual(started, ['shop#1', 'shop#2']);
  });

  it('goes on with the next recycle after one that failed', async () => {
    const { q, started, finish } = queue(['shop#1', 'shop#2']);
    q.add(['shop#1', 'shop#2'], 'time');
    await finish({ worker: 'shop#1', error: 'no' });
    await finish();
    await q.settled();
    assert.deepEqual(started, ['shop#1', 'shop#2']);
  });

  it('answers a restart that the pool stopped under, waiting or under way, as not done', async () => {
    const { q, finish, begun } = queue(['shop#1', 'shop#2']);
    const first = q.restartAll('restart');
    const second = q.restartAll('watch');
    await finish();
    await begun(2);
    q.clear();
    assert.deepEqual(await second, { ok: false, failure: { error: 'the app stopped before every worker was replaced' } });
    assert.equal(q.active, true, 'the replacement under way ends by itself');
    await finish();
    assert.deepEqual(await first, { ok: false, failure: { error: 'the app stopped before every worker was replaced' } });
  });

  it('answers a restart that the pool failed under, waiting or under way, with why', async () => {
    const { q, finish, begun } = queue(['shop#1', 'shop#2']);
    const first = q.restartAll('restart');
    const second = q.restartAll('watch');
    await begun(1);
    const why = { error: 'the app failed before every worker was replaced: 3 restarts within 60 s passed rapidFailsPerMinute (2)' };
    q.clear(why);
    assert.deepEqual(await second, { ok: false, failure: why });
    assert.deepEqual(await first, { ok: false, failure: why });
    await finish();
    await q.settled();
  });

  it('answers a restart as not done as soon as the pool stops, before the replacement under way has ended', async () => {
    // Portico's stop waits for the answer: it kept accepting requests while the old worker of the
    // replacement under way drained, up to shutdownTimeLimit, before it stopped the workers.
    const { q, begun, finish } = queue(['shop#1', 'shop#2']);
    let answer: unknown;
    void q.restartAll('restart').then((outcome) => (answer = outcome));
    await begun(1);
    q.abandon();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(answer, { ok: false, failure: { error: 'the app stopped before every worker was replaced' } });
    assert.equal(q.active, true, 'the replacement under way ends by itself');
    await finish();
    await q.settled();
    assert.deepEqual(answer, { ok: false, failure: { error: 'the app stopped before every worker was replaced' } });
  });

  it("is done once the last worker's replacement is ready, while the old one still drains; the queue waits for the drain", async () => {
    let drained: () => void = () => {};
    const q = new ReplacementQueue(
      (_worker, _reason, switched) =>
        new Promise<undefined>((resolve) => {
          switched();
          drained = () => resolve(undefined);
        }),
      () => ['shop#1'],
    );
    assert.deepEqual(await q.restartAll('restart'), { ok: true });
    assert.equal(q.active, true, 'the old worker is still draining');
    drained();
    await q.settled();
    assert.equal(q.active, false);
  });
});
