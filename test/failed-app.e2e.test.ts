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
});
