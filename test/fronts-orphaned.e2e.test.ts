import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoBackend } from './helpers/portico.ts';
import { launcher, startPorticoCommand } from './helpers/porticoCli.ts';
import { isAlive } from './helpers/processes.ts';

const stuckFront = fileURLToPath(new URL('fixtures/stuck-front.mjs', import.meta.url));

/** Resolves once `check` holds, looked at every 50 ms; rejects with `what` after `limitMs`. */
async function until(check: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} after ${limitMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The control process killed with SIGKILL (the OOM killer's choice, a kill -9) while its fronts
// are stuck: each front holds the listen sockets, so one left behind keeps the port from the next
// Portico, or takes its connections and answers none. Failed before: a front whose pool was held
// saw its channel end and called process.exit, which waited for the pool for good; a front whose
// event loop was held never saw the end at all.
describe('fronts of a control process killed with SIGKILL', function () {
  this.timeout(90_000);

  for (const stuck of ['none', 'pool', 'loop'] as const) {
    it(`exit by themselves${stuck === 'none' ? '' : stuck === 'pool' ? ', their thread pool held by a file read' : ', their event loop held'}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-orphans-'));
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const file = join(dir, 'portico.json');
      await writeFile(file, JSON.stringify({ listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend] }] }));
      const env = { ...process.env, NODE_OPTIONS: `--import=${stuckFront}`, STUCK_FRONT: stuck, STUCK_FRONT_DIR: dir, STUCK_FRONT_FIFO: fifo };
      const running = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: dir, env });
      const fronts = [...running.stdout().matchAll(/"event":"front.ready".*?"frontPid":(\d+)/g)].map((m) => Number(m[1]));
      assert.equal(fronts.length, 2, running.stdout());
      try {
        if (stuck !== 'none') {
          for (const pid of fronts) process.kill(pid, 'SIGWINCH');
          await until(() => fronts.every((pid) => existsSync(join(dir, `${pid}.stuck`))), 'the fronts were not stuck');
        }
        running.child.kill('SIGKILL');
        await until(() => fronts.every((pid) => !isAlive(pid)), `fronts ${fronts.filter(isAlive).join(', ')} still ran`);
      } finally {
        for (const pid of fronts) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // No reader waits on it.
        }
      }
    });
  }
});
