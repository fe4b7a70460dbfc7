import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig, toAuthConfig, toWorkerPoolOptions } from '@portico/portico';
import { createNodeProcessHost, WorkerPool } from '@portico/worker-actor';
import { configFolder, minimal } from './fixtures.ts';

const example = fileURLToPath(new URL('../../../../examples/portico.json', import.meta.url));

describe('toWorkerPoolOptions', () => {
  it('gives WorkerPool options it accepts for every app of the example config', async () => {
    const config = await loadConfig(example, { env: {} });
    for (const app of config.apps) {
      const pool = new WorkerPool(toWorkerPoolOptions(app, { host: createNodeProcessHost() }));
      assert.equal(pool.app, app.name);
      assert.equal(pool.state, 'idle');
    }
  });

  it('maps ANCM\'s names, the mount path and the backoff', async () => {
    const config = await loadConfig(example, { env: {} });
    const app = config.apps[1]!;
    const options = toWorkerPoolOptions(app, { host: createNodeProcessHost() });
    assert.equal(options.worker.applPath, '/tools');
    assert.equal(options.worker.listenMode, 'unix');
    assert.deepEqual(options.worker.readiness, { kind: 'http', path: '/tools/health' });
    assert.deepEqual(options.worker.arguments, ['../bench/fixtures/hello.mjs']);
    assert.deepEqual(options.backoff, app.restart.backoff);
    assert.equal(options.processesPerApplication, 1);
  });
});

describe('toAuthConfig', () => {
  it('copies the app\'s forwardAuthToken and compat into the authenticator\'s config', async () => {
    const folder = await configFolder({ 'users.htpasswd': '' });
    try {
      const config = await loadConfig(
        await folder.write('p.json', minimal({ forwardAuthToken: true, compat: 'aspnetcore', auth: { type: 'basic', htpasswdFile: 'users.htpasswd', realm: 'shop' } })),
        { env: {} },
      );
      assert.deepEqual(toAuthConfig(config.apps[0]!), { type: 'basic', htpasswdFile: `${folder.dir}/users.htpasswd`, realm: 'shop', forwardAuthToken: true, compat: 'aspnetcore' });
    } finally {
      await folder.remove();
    }
  });

  it('gives nothing for an app without auth', async () => {
    const folder = await configFolder();
    try {
      const config = await loadConfig(await folder.write('p.json', minimal()), { env: {} });
      assert.equal(toAuthConfig(config.apps[0]!), undefined);
    } finally {
      await folder.remove();
    }
  });
});
