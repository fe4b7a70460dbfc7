import assert from 'node:assert/strict';
import { resolveConfig } from '@portico/portico';
import { join } from 'node:path';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

describe('reload and admin end to end', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('reloads under load without a failed request: unchanged apps untouched, changed apps rolled over', async () => {
    const apps = (version: string) => [
      app('shop', { start: 'eager', processesPerApplication: 2, environmentVariables: { VERSION: version } }),
      app('docs', { start: 'eager', match: { path: '/docs' } }),
    ];
    const { portico, port, dir } = await startPortico({ apps: apps('1') });
    const docsBefore = json(await request(port, '/docs')).pid;
    const shopBefore = new Set((await Promise.all([request(port, '/'), request(port, '/')])).map((r) => json(r).pid));

    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const client = async () => {
      while (running) {
        try {
          const reply = await request(port, '/');
          if (reply.status === 200) ok++;
          else failures.push(`status ${reply.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    // Traffic before and after the reload is counted in answers, not in wall-clock time, so a busy
    // machine changes how long this takes and not what it shows.
    const answered = async (more: number) => {
      const target = ok + failures.length + more;
      while (ok + failures.length < target) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const clients = Array.from({ length: 8 }, client);
    await answered(50);
    const result = await portico.reload(resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: apps('2') }, { file: join(dir, 'portico.json'), baseDir: dir }));
    await answered(50);
    running = false;
    await Promise.all(clients);

    assert.deepEqual(result, { ok: true, changed: ['shop'], settings: [] });
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`);
    assert.ok(ok > 50, `only ${ok} requests completed`);
    console.log(`      ${ok} requests through a reload, ${failures.length} failed`);
    assert.equal(json(await request(port, '/docs')).pid, docsBefore, 'the unchanged app keeps its process');
    const shopAfter = json(await request(port, '/'));
    assert.ok(!shopBefore.has(shopAfter.pid), 'the changed app runs new processes');
  });

  it('serves status, readiness and Prometheus metrics on the admin port', async () => {
    const token = 'the-admin-token-of-this-test-0123456789';
    process.env['PORTICO_TEST_ADMIN_TOKEN'] = token;
    const { port, portico } = await startPortico({ admin: { port: 0, tokenEnv: 'PORTICO_TEST_ADMIN_TOKEN' }, apps: [app('shop', { start: 'eager' })] });
    const started = await portico.start();
    const adminPort = started.admin!.port;
    for (let i = 0; i < 5; i++) await request(port, '/');
    const headers = { Authorization: `Bearer ${token}` };

    const status = JSON.parse((await request(adminPort, '/status', { headers })).body) as { apps: { name: string; state: string; workers: { pid: number }[] }[] };
    assert.equal(status.apps[0]?.name, 'shop');
    assert.equal(status.apps[0]?.state, 'ready');
    assert.equal((await request(adminPort, '/readyz')).status, 200);
    assert.equal((await request(adminPort, '/healthz')).status, 200);
    const metrics = (await request(adminPort, '/metrics', { headers })).body;
    assert.match(metrics, /portico_requests_total\{app="shop",code_class="2xx"\} 5/);
    assert.match(metrics, /portico_workers_up\{app="shop"\} 1/);
    assert.match(metrics, /portico_request_duration_seconds_count\{app="shop"\} 5/);
  });
});
