import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAlive, waitForDeath } from './helpers.ts';

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
});
