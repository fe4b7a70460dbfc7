import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { admin, echoBackend } from './helpers/portico.ts';
import { launcher, startPorticoCli, stopAllPorticoClis, type RunningCli } from './helpers/porticoCli.ts';

/** Runs the real `portico` command line, as an operator's shell would. */
function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    execFile(process.execPath, [launcher, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

interface AppStatus {
  readonly name: string;
  readonly state: string;
  readonly rollout?: { readonly message: string };
  readonly history: readonly { readonly state: string; readonly reason?: string }[];
}

/** The app's entry of `GET /status` on the admin socket `portico start` named (the same JSON `portico status --json` prints). */
async function appStatus(portico: RunningCli, name: string): Promise<AppStatus> {
  const socket = /admin socket (\S+)/.exec(portico.stderr())![1]!;
  return (JSON.parse(await admin(socket, '/status')) as { apps: AppStatus[] }).apps.find((a) => a.name === name)!;
}

/** Asks for the status until the app is in `state`; fails with its history if it is not within `limitMs` (a bound for a machine at load 30, not a timing). */
async function untilState(portico: RunningCli, name: string, state: string, limitMs = 45_000): Promise<AppStatus> {
  const deadline = Date.now() + limitMs;
  let last = await appStatus(portico, name);
  while (last.state !== state && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await appStatus(portico, name);
  }
  assert.equal(last.state, state, `${name} never became ${state}: ${JSON.stringify(last.history)}`);
  return last;
}

const shop = (environmentVariables: Record<string, string> = {}) => ({
  name: 'shop',
  processPath: process.execPath,
  arguments: [echoBackend],
  start: 'eager',
  shutdownTimeLimit: 2,
  environmentVariables,
});

// An operator's day with `portico start` and the commands, literally by the docs; each case is
// something that misled or failed an operator there.
describe('an operator with portico start and its commands', function () {
  this.timeout(120_000);
  afterEach(stopAllPorticoClis);

  // Regression: once app_offline.htm was removed, an eager app stayed `stopped` until a request
  // reached it, and /readyz answered 503 the while; behind a balancer that sends traffic only to a
  // ready Portico (Kubernetes' readinessProbe), no request ever came.
  it('starts an eager app again by itself once app_offline.htm is removed, says why it was stopped, and refuses to start it while the file is there', async () => {
    const blog = { ...shop(), name: 'blog', start: 'lazy', match: { path: '/blog' } };
    const portico = await startPorticoCli({ fronts: 1, admin: { port: 0 }, apps: [shop(), blog] });
    await untilState(portico, 'shop', 'ready');
    const offline = join(portico.dir, 'app_offline.htm');
    await writeFile(offline, '<h1>Back soon</h1>');
    const stopped = await untilState(portico, 'shop', 'stopped');
    assert.match(stopped.history.at(-1)?.reason ?? '', /app_offline\.htm/, JSON.stringify(stopped.history));
    const table = await cli(['status', '-c', portico.file]);
    assert.match(table.stdout, /^shop: stopped: app_offline\.htm is in .*; it starts again once the file is removed$/m);
    // Starting it would only run workers whose requests get the page: refused, saying why.
    for (const command of ['start', 'restart']) {
      const refused = await cli([command, '-c', portico.file, 'shop']);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /shop is offline while .*app_offline\.htm exists .*remove the file to bring it back; nothing was (re)?started/);
    }
    assert.equal((await appStatus(portico, 'shop')).state, 'stopped');
    await rm(offline);
    // No request is sent to the app: it starts because it is eager.
    await untilState(portico, 'shop', 'ready');
    // The lazy one is idle again, as before its first request, and no longer said to be offline.
    const idle = await untilState(portico, 'blog', 'idle');
    assert.equal(idle.history.at(-1)?.reason, 'app_offline.htm was removed');
    assert.doesNotMatch((await cli(['status', '-c', portico.file])).stdout, /^(shop|blog): stopped/m);
    assert.equal(await portico.stop(), 0);
  });

  // Regression: after a reload whose new version did not start, the operator put the old file back
  // and reloaded ("reloaded", exit 0), but status went on saying the rollout had failed, for as long
  // as Portico ran, though the workers now ran exactly the config in force.
  it('clears a failed rollout from status once a reload puts back the config its workers run', async () => {
    const portico = await startPorticoCli({ fronts: 1, admin: { port: 0 }, apps: [shop({ VERSION: '1' })] });
    await untilState(portico, 'shop', 'ready');
    const write = (app: Record<string, unknown>) => writeFile(portico.file, JSON.stringify({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 1, admin: { port: 0 }, apps: [app] }));
    await write(shop({ VERSION: '2', CRASH_AT_START: '1' }));
    const broken = await cli(['reload', '-c', portico.file]);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match((await appStatus(portico, 'shop')).rollout?.message ?? '', /rollout of shop failed/);
    // A file with a problem outside admin is refused by Portico, which reads it (the command reads only admin).
    await write({ ...shop({ VERSION: '3' }), shutdownTimeLimit: -1 });
    const invalid = await cli(['reload', '-c', portico.file]);
    assert.equal(invalid.code, 1, invalid.stderr);
    assert.match(invalid.stderr, /^portico reload: the new config was refused; the running one stays in force:\n {2}.*shutdownTimeLimit = -1/);
    await write(shop({ VERSION: '1' }));
    const reverted = await cli(['reload', '-c', portico.file]);
    assert.equal(reverted.code, 0, reverted.stderr);
    const table = await cli(['status', '-c', portico.file, '--json', 'shop']);
    assert.equal((JSON.parse(table.stdout) as { apps: AppStatus[] }).apps[0]!.rollout, undefined);
    assert.equal(await portico.stop(), 0);
  });
});
