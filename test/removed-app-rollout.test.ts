import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { Simulation } from '@portico/testkit';
import { createPortico, resolveConfig } from '@portico/portico';

/** `apps` beside an app that stays (a config has at least one). */
const configOf = (apps: readonly Record<string, unknown>[]) =>
  resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [{ name: 'docs', match: { path: '/docs' } }, ...apps].map((app) => ({ processPath: 'shop', startupTimeLimit: 5, shutdownTimeLimit: 1, ...app })) }, { file: '/srv/portico.json', baseDir: '/srv' });

describe('a failed rollout of an app a reload removed', () => {
  it('is forgotten with the app: the app added again later shows none', async () => {
    // Each app's last failed rollout was kept by name for good: apps renamed at each deploy piled
    // up, and an app removed and added back showed a failure of a config long gone.
    const sim = new Simulation({ seed: 3 });
    let broken = true;
    sim.host.define('shop', () => (broken ? { crashAt: 10, exitCode: 1, stderr: 'no database' } : { readyAfter: 10 }));
    const logger = createLogger({ destination: new Writable({ write: (_chunk, _encoding, done) => done() }), pretty: false });
    const portico = createPortico(configOf([]), { host: sim.host, clock: sim.clock, logger });
    const settled = async <T>(work: Promise<T>): Promise<T> => {
      let outcome: { value: T } | undefined;
      void work.then((value) => (outcome = { value }));
      await sim.runUntil(() => outcome !== undefined);
      return outcome!.value;
    };
    await settled(portico.start({ listen: false }));
    const failed = await settled(portico.reload(configOf([{ name: 'shop', start: 'eager', rapidFailsPerMinute: 0 }])));
    assert.equal(failed.ok, false);
    assert.equal(portico.status().apps.find((app) => app.name === 'shop')!.rollout?.state, 'failed');
    assert.equal((await settled(portico.reload(configOf([])))).ok, true);
    broken = false;
    assert.equal((await settled(portico.reload(configOf([{ name: 'shop' }])))).ok, true);
    assert.equal(portico.status().apps.find((app) => app.name === 'shop')!.rollout, undefined);
    await settled(portico.stop());
  });
});
