import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoBackend, json, request } from './helpers/portico.ts';
import { launcher, startPorticoCli, startPorticoCommand, stopAllPorticoClis } from './helpers/porticoCli.ts';
import { isAlive } from './helpers/processes.ts';

describe('portico start (the command)', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticoClis);

  it('serves, stops gracefully on SIGTERM with exit 0, and leaves no backend running', async () => {
    const portico = await startPorticoCli({
      fronts: 1,
      apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager', processesPerApplication: 2 }],
    });
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(json(await request(portico.port, '/')).pid);
    assert.equal(await portico.stop(), 0);
    for (const pid of pids) assert.ok(!isAlive(pid), `backend ${pid} outlived portico`);
  });

  for (const trigger of ['SIGHUP', 'watch'] as const) {
    it(`reloads its config ${trigger === 'SIGHUP' ? 'on SIGHUP' : 'when the file changes, with watch on'}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
      const file = join(dir, 'portico.json');
      const config = (version: string, crash = false) =>
        JSON.stringify({
          listen: [{ port: 0, host: '127.0.0.1' }],
          fronts: 1,
          watch: trigger === 'watch',
          apps: [
            {
              name: 'shop',
              processPath: process.execPath,
              arguments: [echoBackend],
              start: 'eager',
              environmentVariables: { VERSION: version, ...(crash ? { CRASH_AT_START: '1' } : {}) },
            },
          ],
        });
      await writeFile(file, config('1'));
      const portico = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file]);
      const first = json(await request(portico.port, '/')).pid;
      await writeFile(file, config('2'));
      if (trigger === 'SIGHUP') portico.child.kill('SIGHUP');
      await portico.waitForStdout(/"event":"config.reloaded","eventId":1500,"changed":\["shop"\]/);
      const second = json(await request(portico.port, '/')).pid;
      assert.notEqual(second, first, 'the changed app runs a new process');
      // A version that cannot start: reported in the log, and the running one keeps serving.
      await writeFile(file, config('3', true));
      if (trigger === 'SIGHUP') portico.child.kill('SIGHUP');
      await portico.waitForStdout(/"event":"app.rollout_failed","eventId":1701,"app":"shop","reason":"reload","error":"rollout of shop failed: shop#1 failed to start, code 3/);
      assert.equal(json(await request(portico.port, '/')).pid, second, 'the old version still serves');
      assert.equal(await portico.stop(), 0);
    });
  }

  it('refuses an invalid config with exit 1 and every problem listed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
    const file = join(dir, 'portico.json');
    await writeFile(file, JSON.stringify({ listen: [{ port: 99999 }], apps: [{ name: 'a', processPath: 'node', startupTimelimit: 3 }] }));
    const run = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /listen\[0\]\.port/);
    assert.match(stderr, /startupTimelimit.*did you mean "startupTimeLimit"/);
  });
});
