import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Portico } from '@portico/portico';
import { changed } from './helpers/load.ts';
import { app, echoBackend, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** A backend that exits 1 until `READY_FILE` exists, then runs the echo backend in its place. */
function fixedLater(name: string, readyFile: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return app(name, {
    processPath: '/bin/sh',
    arguments: ['-c', 'test -f "$READY_FILE" || { echo "not fixed yet: no $READY_FILE" >&2; exit 1; }; exec "$NODE" "$ECHO"'],
    environmentVariables: { READY_FILE: readyFile, NODE: process.execPath, ECHO: echoBackend },
    rapidFailsPerMinute: 1,
    restart: { backoff: { min: 0, max: 0 }, retryFailed: { min: 1, max: 2 } },
    ...extra,
  });
}

/** Resolves when the app's state is `state`; rejects after `limitMs` with what it was. */
function state(portico: Portico, wanted: string, limitMs: number): Promise<void> {
  const current = () => portico.status().apps[0]?.state;
  return Promise.race([
    changed(portico, () => current() === wanted),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still ${current()} after ${limitMs} ms, not ${wanted}`)), limitMs).unref()),
  ]);
}

// Issue 16, "A failed app never comes back": the pool left `failed` only inside start(), which the
// router never called for a failed app, so a fixed app stayed down until Portico restarted.
describe('a failed app', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  for (const start of ['eager', 'lazy'] as const) {
    it(`comes back by itself once fixed, without a request (${start})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-failed-'));
      const readyFile = join(dir, 'fixed');
      const { portico, port } = await startPortico({ apps: [fixedLater('shop', readyFile, { start })] }, dir);
      // A lazy app is started by its first request, which waits for it and gets the failure page.
      if (start === 'lazy') assert.equal((await request(port, '/')).status, 502);
      await state(portico, 'failed', 10_000);
      assert.equal((await request(port, '/')).status, 502);
      await writeFile(readyFile, '');
      await state(portico, 'ready', 10_000);
      assert.equal((await request(port, '/')).status, 200);
    });
  }

  // `portico restart APP` is said to end a failed app's hold at once; it started a new set beside
  // the failed pool, whose retry timer still ran and started the old workers too: two sets for
  // the length of the start-up, the failed pool's thrown away once the new one was ready.
  it('a restart ends the hold: the failed workers are not started again beside the new ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-failed-'));
    const readyFile = join(dir, 'fixed');
    const shop = fixedLater('shop', readyFile, { start: 'eager' });
    // Ready 3 s after its start: the failed pool's hold (1 s) ends while the new worker starts.
    Object.assign(shop['environmentVariables'] as Record<string, string>, { LISTEN_DELAY_MS: '3000' });
    const { portico, logs } = await startPortico({ apps: [shop] }, dir);
    await state(portico, 'failed', 10_000);
    await writeFile(readyFile, '');
    const spawned = () => logs.filter((line) => line['event'] === 'worker.spawned').length;
    const before = spawned();
    assert.deepEqual(await portico.restart('shop'), { ok: true, app: 'shop', state: 'ready' });
    assert.equal(spawned() - before, 1, 'one new process, and no retry of the failed pool beside it');
  });
});
