import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { systemClock } from '@portico/supervisor';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 16, "What happened stays visible": for a failed app, `portico status --json` showed
// `"workers": []`, the last exit (code, signal, stderr tail) was gone, and nothing said why the
// app was failed or when it would be tried again.
describe('status keeps what happened', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  it('says why an app is failed, when it is tried next, and keeps its last exits and state history', async () => {
    // Portico's clock, not Date.now(): the wall clock and the monotonic one drift apart by
    // milliseconds, and the bounds below have no margin (retryAt came out 72 ms past
    // Date.now() + 600 s once, on Node 24 in CI). Status gives retryAt rounded to the millisecond,
    // so the bounds are rounded too (read within half a millisecond of the failure, the exact
    // bound fell short of the rounded retryAt).
    const before = Math.round(systemClock.now());
    const { portico } = await startPortico({
      apps: [
        app('shop', {
          processPath: '/bin/sh',
          arguments: ['-c', 'echo "cannot open /var/lib/shop.db" >&2; exit 3'],
          start: 'eager',
          rapidFailsPerMinute: 2,
          restart: { backoff: { min: 0, max: 0 }, retryFailed: { min: 600, max: 600 } },
        }),
      ],
    });
    await changed(portico, () => portico.status().apps[0]?.state === 'failed');
    // What GET /status and `portico status --json` serve, through JSON as they do.
    const shop = JSON.parse(JSON.stringify(portico.status())).apps[0];
    assert.match(shop.failure, /^3 restarts within 60 s passed rapidFailsPerMinute \(2\); last exit: failed to start, code 3$/);
    // 600 s after the failure, which came after `before` and before now (no margin for a slow machine to eat).
    assert.ok(shop.retryAt >= before + 600_000 && shop.retryAt <= Math.round(systemClock.now()) + 600_000, `retryAt ${shop.retryAt}, ${shop.retryAt - before} ms after the start`);
    assert.equal(shop.workers.length, 1, 'the worker slot is still listed');
    assert.equal(shop.workers[0].lastExit.code, 3);
    assert.match(shop.workers[0].lastExit.stderrTail, /cannot open/);
    assert.equal(shop.workers[0].restarts, 2);
    assert.equal(shop.exits.length, 3);
    for (const exit of shop.exits) {
      assert.equal(exit.worker, 'shop#1');
      assert.equal(exit.code, 3);
      assert.match(exit.stderrTail, /cannot open/);
      assert.equal(typeof exit.at, 'number');
    }
    assert.deepEqual(shop.history.map((h: { state: string }) => h.state), ['starting', 'failed']);
    assert.match(shop.history[1].reason, /rapidFailsPerMinute/);
  });

  it('keeps restart counts and the last exit across a reload of an unchanged app', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-status-'));
    const input = { apps: [app('shop', { start: 'eager', restart: { backoff: { min: 0, max: 0 } } })] };
    const { portico } = await startPortico(input, dir);
    const worker = () => portico.status().apps[0]!.workers[0]!;
    await changed(portico, () => worker().state === 'ready');
    const pid = worker().pid!;
    process.kill(pid, 'SIGKILL');
    await changed(portico, () => worker().state === 'ready' && worker().pid !== pid);
    assert.equal(worker().restarts, 1);
    const result = await portico.reload(resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], ...input }, { file: join(dir, 'portico.json'), baseDir: dir }));
    assert.equal(result.ok, true);
    assert.equal(worker().restarts, 1);
    assert.equal(worker().lastExit?.signal, 'SIGKILL');
    assert.equal(portico.status().apps[0]!.exits?.length, 1);
  });
});
