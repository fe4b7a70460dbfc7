import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createNodeProcessHost } from '../src/index.ts';
import { isAlive, waitForDeath } from './helpers.ts';

/** The guard shells of this process (each host starts one with its first backend). */
function guards(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,ppid=,args=', '-e'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes('while read -r command group'))
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid]) => Number(ppid) === process.pid)
    .map(([pid]) => Number(pid));
}

/** The first line `child` prints; rejects if it exits first (its stderr, inherited, says why). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    child.once('exit', (code, signal) => reject(new Error(`the stand-in Portico exited (${code ?? signal}) before it printed its backend's pid`)));
  });
}

describe('OrphanGuard', function () {
  // A safety net, not a bound: the first test starts a Node process through tsx, which took up to
  // 19 s on a loaded 2-core machine and outlasted the 20 s this suite allowed (3 of 9 runs under
  // two busy loops). The tests wait for the events themselves.
  this.timeout(90_000);

  it('kills the backends of a Portico process that is itself killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/host-then-die.ts', import.meta.url));
    // tsx/esm: the ESM hooks alone, as mocha loads them; the stand-in starts in about half the CPU time.
    const portico = spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=portico-source', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let backend = Number.NaN;
    try {
      backend = Number(/backend (\d+)/.exec(await firstLine(portico))?.[1]);
      assert.ok(isAlive(backend));
      portico.kill('SIGKILL');
      await waitForDeath(backend, 60_000);
    } finally {
      portico.kill('SIGKILL');
      // A failed run (the guard did not kill it) leaves no backend behind: it leads its own group.
      if (Number.isInteger(backend) && isAlive(backend)) {
        try {
          process.kill(-backend, 'SIGKILL');
        } catch {
          // Gone between the check and the kill.
        }
      }
    }
  });

  it('ends its guard when the host is closed, so a stopped Portico leaves no helper behind', async () => {
    const host = createNodeProcessHost();
    const before = new Set(guards());
    await new Promise<void>((resolve) => {
      host.spawn(
        { command: '/bin/sh', args: ['-c', 'exit 0'], cwd: process.cwd(), env: { PATH: process.env.PATH ?? '' }, notify: false },
        { onNotify: () => {}, onExit: () => resolve() },
      );
    });
    const mine = guards().filter((pid) => !before.has(pid));
    assert.equal(mine.length, 1, 'the first backend starts one guard');
    await host.close?.();
    await waitForDeath(mine[0]!);
  });
});
