import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

describe('OrphanGuard', function () {
  this.timeout(20_000);

  it('kills the backends of a Portico process that is itself killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/host-then-die.ts', import.meta.url));
    const portico = spawn(process.execPath, ['--import', 'tsx', '--conditions=portico-source', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => portico.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    const backend = Number(/backend (\d+)/.exec(line)?.[1]);
    assert.ok(isAlive(backend));
    portico.kill('SIGKILL');
    await waitForDeath(backend);
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
