import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoBackend, json, request } from './helpers/portico.ts';
import { isAlive } from './helpers/processes.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));

describe('portico start (the command)', function () {
  this.timeout(30_000);

  it('serves, stops gracefully on SIGTERM with exit 0, and leaves no backend running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
    const file = join(dir, 'portico.json');
    await writeFile(
      file,
      JSON.stringify({
        listen: [{ port: 0, host: '127.0.0.1' }],
        fronts: 1,
        apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager', processesPerApplication: 2 }],
      }),
    );
    const portico = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      portico.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
        if (found) resolve(Number(found[1]));
      });
      portico.on('exit', (code) => reject(new Error(`portico exited with ${code}: ${stderr}`)));
    });
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(json(await request(port, '/')).pid);
    const exited = new Promise<number | null>((resolve) => portico.on('exit', (code) => resolve(code)));
    portico.kill('SIGTERM');
    assert.equal(await exited, 0);
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
      const portico = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      portico.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        portico.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const found = /serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
          if (found) resolve(Number(found[1]));
        });
        portico.on('exit', (code) => reject(new Error(`portico exited with ${code}: ${stderr}`)));
      });
      const first = json(await request(port, '/')).pid;
      await writeFile(file, config('2'));
      if (trigger === 'SIGHUP') portico.kill('SIGHUP');
      while (!/"event":"config.reloaded","eventId":1500,"changed":\["shop"\]/.test(stdout)) {
        await new Promise((resolve) => portico.stdout.once('data', resolve));
      }
      const second = json(await request(port, '/')).pid;
      assert.notEqual(second, first, 'the changed app runs a new process');
      // A version that cannot start: reported in the log, and the running one keeps serving.
      await writeFile(file, config('3', true));
      if (trigger === 'SIGHUP') portico.kill('SIGHUP');
      while (!/"event":"app.rollout_failed","eventId":1701,"app":"shop","reason":"reload","error":"rollout of shop failed: shop#1 failed to start, code 3/.test(stdout)) {
        await new Promise((resolve) => portico.stdout.once('data', resolve));
      }
      assert.equal(json(await request(port, '/')).pid, second, 'the old version still serves');
      const exited = new Promise<number | null>((resolve) => portico.on('exit', (code) => resolve(code)));
      portico.kill('SIGTERM');
      assert.equal(await exited, 0);
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
