import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico, type PorticoConfig } from '@portico/portico';
import { answered, changed, startLoad } from './helpers/load.ts';
import { app, echoBackend, request } from './helpers/portico.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));

/** Runs the real `portico` command line, as an operator's shell would. */
function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    execFile(process.execPath, [launcher, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

interface Running {
  readonly portico: Portico;
  readonly port: number;
  /** The admin socket, which the commands take as `-a PATH` and which needs no token. */
  readonly admin: string;
  readonly logs: Record<string, unknown>[];
  /** What the next `POST /reload` (and SIGHUP) loads. */
  next: PorticoConfig;
  readonly resolve: (input: Record<string, unknown>) => PorticoConfig;
}

const running: Portico[] = [];

async function start(apps: Record<string, unknown>[], waitReady = true): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-rollout-'));
  const resolve = (input: Record<string, unknown>) =>
    resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: 0, host: '127.0.0.1', socket: join(dir, 'run', 'admin.sock') }, ...input }, { file: join(dir, 'portico.json'), baseDir: dir });
  const config = resolve({ apps });
  const logs: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const state = { next: config } as { next: PorticoConfig };
  const portico = createPortico(config, { logger: createLogger({ destination, pretty: false }), loadConfig: async () => state.next });
  running.push(portico);
  const started = await portico.start();
  if (waitReady) await changed(portico, () => portico.ready());
  return Object.assign(state, { portico, port: started.listen[0]!.port, admin: started.admin!.socket, logs, resolve });
}

const shopPids = (portico: Portico) => portico.status().apps[0]!.workers.map((w) => w.pid);

// Issue 16, "Operators can act" and "Reload is a rollout".
describe('rollouts under load', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  it('portico restart APP moves traffic to new workers with no failed request', async () => {
    const shop = app('shop', { start: 'eager', processesPerApplication: 2 });
    const { portico, port, admin } = await start([shop]);
    const before = shopPids(portico);
    const load = startLoad(port, '/', 8);
    await answered(load.tally, 100);
    const run = await cli(['restart', '-a', admin, 'shop']);
    await answered(load.tally, 100);
    const tally = await load.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'shop restarted: new workers are serving, the old ones drain\n');
    const after = shopPids(portico);
    assert.ok(after.every((pid) => pid !== undefined && !before.includes(pid)), `new workers ${after} replaced ${before}`);
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    assert.ok(tally.pids.some((pid) => after.includes(pid)), 'the new workers served');
  });

  it('portico stop APP holds the app down (503, no start by request) until portico start APP', async () => {
    const { portico, port, admin } = await start([app('shop', { start: 'eager' })]);
    const stopped = await cli(['stop', '-a', admin, 'shop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(portico.status().apps[0]!.state, 'stopped');
    const refused = await request(port, '/');
    assert.equal(refused.status, 503);
    assert.match(refused.body, /stopped by its operator/);
    assert.equal(portico.status().apps[0]!.state, 'stopped', 'a request started the stopped app');
    const started = await cli(['start', '-a', admin, 'shop']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(portico.status().apps[0]!.state, 'ready');
    assert.equal((await request(port, '/')).status, 200);
    const unknown = await cli(['restart', '-a', admin, 'shp']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no app named "shp"; the apps are: shop/);
  });

  it('portico restart ends a failed state at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-fixed-'));
    const okFile = join(dir, 'ok');
    const broken = app('shop', {
      start: 'eager',
      processPath: '/bin/sh',
      arguments: ['-c', 'test -f "$OK_FILE" || exit 1; exec "$NODE" "$ECHO"'],
      environmentVariables: { OK_FILE: okFile, NODE: process.execPath, ECHO: echoBackend },
      rapidFailsPerMinute: 0,
      restart: { retryFailed: { min: 3600, max: 3600 } },
    });
    const { portico, port, admin } = await start([broken], false);
    await changed(portico, () => portico.status().apps[0]!.state === 'failed');
    await writeFile(okFile, '');
    const run = await cli(['restart', '-a', admin, 'shop']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(portico.status().apps[0]!.state, 'ready');
    assert.equal((await request(port, '/')).status, 200);
  });

  it('a reload to a version that cannot start leaves the old one serving, with no failed request, and says so', async () => {
    const good = app('shop', { start: 'eager', environmentVariables: { VERSION: '1' } });
    const running = await start([good]);
    const { portico, port, admin, logs } = running;
    const before = shopPids(portico);
    running.next = running.resolve({
      apps: [app('shop', { start: 'eager', environmentVariables: { VERSION: '2', CRASH_AT_START: '1' } })],
    });
    const load = startLoad(port, '/', 8);
    await answered(load.tally, 100);
    const reload = await cli(['reload', '-a', admin]);
    await answered(load.tally, 100);
    const tally = await load.stop();
    assert.equal(reload.code, 1);
    assert.match(reload.stderr, /rollout of shop failed: shop#1 failed to start, code 3: fatal: cannot open database/);
    assert.deepEqual(shopPids(portico), before, 'the old workers still serve');
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    const shop = portico.status().apps[0]!;
    assert.equal(shop.state, 'ready');
    assert.match(shop.rollout?.message ?? '', /^rollout of shop failed: shop#1 failed to start, code 3/);
    const event = logs.find((l) => l['event'] === 'app.rollout_failed');
    assert.ok(event, 'an app.rollout_failed event');
    assert.equal(event['oldKeepsServing'], true);
    const table = await cli(['status', '-a', admin]);
    assert.match(table.stdout, /^shop: rollout of shop failed: shop#1 failed to start, code 3/m);
  });
});
