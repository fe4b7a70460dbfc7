import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launcher } from './helpers/porticoCli.ts';

/** Runs `portico ARGS` to its end: its exit code and stderr. */
function portico(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

// Config paths a careless operator gives the real command (the session's "opsattack" helper).
describe('portico check and start on config paths that are not files', function () {
  this.timeout(30_000);

  // Failed before: the read of a FIFO waited for a writer that never came, and the command hung.
  for (const command of ['check', 'start'] as const) {
    it(`${command}: refuses a FIFO named like a config at once, exit 1`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-files-'));
      const file = join(dir, 'portico.json');
      execFileSync('mkfifo', [file]);
      const { code, stderr } = await portico([command, '-c', file]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /portico\.json: is a FIFO \(named pipe\), not a regular file/);
    });
  }
});
