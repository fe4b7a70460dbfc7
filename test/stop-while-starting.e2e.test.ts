import assert from 'node:assert/strict';
import type { Portico } from '@portico/portico';
import { until } from './helpers/frontClients.ts';
import { changed } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// A backend that is not ready for a long time (a migration, a slow import): startupTimeLimit
// 600 s, and it listens only after 10 minutes.
const slow = (extra: Record<string, unknown> = {}) =>
  app('shop', { environmentVariables: { LISTEN_DELAY_MS: '600000' }, startupTimeLimit: 600, ...extra });

/**
 * Resolves once a worker of the app was spawned. Looked for, not waited for with `changed`: a
 * worker's spawn changes no pool state, so no onChange came for it until the next resource sample, 5 s later.
 */
const starting = (portico: Portico) => until(() => portico.status().apps[0]?.workers.some((w) => w.pid !== undefined) === true);

// An operator's `portico start APP` (and a `portico restart` of an app still starting) waited for
// the app to be ready outside the rollouts that Portico's stop ends, and the stop waited for it:
// a SIGTERM then took up to startupTimeLimit, far past shutdownTimeLimit and systemd's
// TimeoutStopSec, and the app was started only to be stopped again.
describe('Portico stopping while an operator\'s command starts an app', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('ends a `portico start APP` that waits for the app to be ready, and stops', async () => {
    const { portico } = await startPortico({ apps: [slow({ start: 'lazy' })] });
    const started = portico.startApp('shop');
    await starting(portico);
    await portico.stop();
    assert.deepEqual(await started, { ok: false, app: 'shop', errors: ['Portico is stopping; nothing was changed'] });
  });

  it('ends a `portico restart` of an app still starting, and stops', async () => {
    const { portico } = await startPortico({ apps: [slow({ start: 'eager' })] });
    await starting(portico);
    const restarted = portico.restart('shop');
    await changed(portico, () => portico.status().apps[0]?.history?.filter((h) => h.state === 'starting').length === 2);
    await portico.stop();
    assert.deepEqual(await restarted, { ok: false, app: 'shop', errors: ['Portico is stopping; nothing was changed'] });
  });

  // A request waiting for the app to start went on waiting when an operator stopped the app
  // (`portico stop`), up to startupTimeLimit, while one arriving after got the 503 at once.
  it('answers a request waiting for the app 503 as soon as an operator stops it, as one that arrives after', async () => {
    const { portico, port } = await startPortico({ apps: [slow({ start: 'lazy' })] });
    const waiting = request(port, '/');
    await starting(portico);
    assert.deepEqual(await portico.stopApp('shop'), { ok: true, app: 'shop', state: 'stopped' });
    const [first, after] = await Promise.all([waiting, request(port, '/')]);
    assert.equal(after.status, 503);
    assert.equal(first.status, 503);
    assert.match(first.body, /stopped by its operator/);
  });
});
