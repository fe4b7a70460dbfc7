import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '../src/index.ts';

describe('Simulation (file-system requests that never end)', () => {
  it('gives up waiting for a file-system request after maxFsWaitMs and says what is still pending', async function () {
    this.timeout(20_000);
    const dir = await mkdtemp(join(tmpdir(), 'portico-sim-fifo-'));
    const fifo = join(dir, 'never-written');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO for reading waits in libuv's thread pool until a writer opens it: a request
    // that never ends while nobody does.
    const reading = open(fifo, 'r');
    try {
      const sim = new Simulation({ maxFsWaitMs: 300 });
      await assert.rejects(sim.advance(10), (error: Error) => {
        assert.equal(error.name, 'SimulationStuckError');
        assert.match(error.message, /file-system request/);
        assert.match(error.message, /300 ms/);
        return true;
      });
    } finally {
      // Release the thread-pool thread: a writer lets the open complete.
      const writer = await open(fifo, 'w');
      await (await reading).close();
      await writer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
