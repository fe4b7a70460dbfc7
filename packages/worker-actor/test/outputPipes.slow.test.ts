import assert from 'node:assert/strict';
import { outputDrainCapMs, outputDrainLimitMs } from '../src/createNodeProcessHost.ts';
import { firstLine, killQuietly, spawnNode } from './outputPipes.ts';

describe('a worker process\'s output pipes after its exit, held by a process that keeps writing', function () {
  this.timeout(outputDrainCapMs + 30_000);

  it('are cut at the cap, so the exit is reported and a successor can start', async () => {
    // The grandchild left the group (setsid) and writes every 100 ms: never silent for the limit.
    const { handle, exit } = spawnNode(
      "const c = require('child_process').spawn('sh', ['-c', 'while :; do echo tick; sleep 0.1; done'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] }); console.log(c.pid); c.unref();",
    );
    const grandchild = Number(await firstLine(handle.stdout));
    let ticks = 0;
    handle.stdout.on('data', (chunk: Buffer) => (ticks += chunk.toString().split('tick').length - 1));
    handle.stdout.resume();
    try {
      const started = Date.now();
      assert.deepEqual(await exit, { code: 0, signal: null });
      const waited = Date.now() - started;
      assert.ok(waited >= outputDrainCapMs - 1_000 && waited < outputDrainCapMs + 10_000, `the pipes were cut after ${waited} ms`);
      assert.ok(ticks > (outputDrainCapMs / outputDrainLimitMs) * 10, `the grandchild's output was read until the cut: ${ticks} ticks`);
    } finally {
      killQuietly(grandchild);
    }
  });
});
