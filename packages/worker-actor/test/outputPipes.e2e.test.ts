import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { outputDrainCapMs, outputDrainLimitMs } from '../src/createNodeProcessHost.ts';
import { checkPipesFor, collect, firstLine, killQuietly, slowDisk, spawnNode, watchingPipes } from './outputPipes.ts';

// The host watches a dead process's pipes on its injected clock: these tests move it on one check
// at a time, with the real pipes read in between, where they slept for the limit (5 s) and the cap
// (60 s, a slow-tier test). Failed before: the host watched on performance.now and setInterval,
// and the simulated clock never had a check to run.
describe('a worker process\'s output pipes after its exit', function () {
  this.timeout(60_000);

  // CI lost the end of a crashed backend's output: its capture, writing behind a slow disk, held
  // the pipe back (pipe backpressure), and the host cut the pipes 5 s after the exit as if something
  // else held them open. Failed before: the held stdout was destroyed with 18 928 of 150 000 bytes still in its read buffer.
  it('are read to the end however long Portico\'s own reader holds them back', async () => {
    const clock = new SimulatedClock();
    // What the stalled disk takes (one 64 KiB chunk) and the pipe's reader holds (64 KiB), and
    // 4 KiB more that wait in the kernel when the backend exits. Not more: a backend whose
    // stdout is non-blocking (Node 24 and 26) writes it in pieces, whose socket buffers fill
    // long before their nominal size, and with 150 000 bytes it waited for room, never exiting
    // (CI, Node 24: 131 072 read, 15 104 queued, 3 824 still in the backend).
    const total = 2 * 65_536 + 4_096;
    const { handle, exit, exited } = spawnNode(`process.stdout.write('y'.repeat(${total})); process.stderr.write('last words\\n')`, clock);
    // A capture whose disk is slow: it takes one chunk, then the pipe waits until the disk is back.
    const disk = slowDisk();
    handle.stdout.pipe(disk.writable);
    const stderr = collect(handle.stderr);
    await watchingPipes(clock);
    // Held back for four times the limit that cuts pipes held open by someone else.
    await checkPipesFor(clock, 4 * outputDrainLimitMs);
    assert.equal(exited(), false, 'the exit waits for the output: it is not read to the end yet');
    disk.recover();
    assert.deepEqual(await exit, { code: 0, signal: null });
    assert.equal(disk.written(), total);
    assert.equal((await stderr).toString(), 'last words\n');
  });

  it('are cut once nothing came for the limit when a process that left the group holds them open', async () => {
    const clock = new SimulatedClock();
    // The grandchild calls setsid (detached) and keeps the inherited pipes: the group's kill misses it.
    const { handle, exit, exited } = spawnNode(
      "const c = require('child_process').spawn('sleep', ['60'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] }); console.log(c.pid); c.unref();",
      clock,
    );
    const grandchild = Number(await firstLine(handle.stdout));
    handle.stdout.resume();
    try {
      await watchingPipes(clock);
      await checkPipesFor(clock, outputDrainLimitMs - 250);
      assert.equal(exited(), false, 'held open, but not yet quiet for the limit');
      await checkPipesFor(clock, 5_000, { done: exited });
      assert.deepEqual(await exit, { code: 0, signal: null });
      assert.ok(clock.now() >= outputDrainLimitMs && clock.now() <= outputDrainLimitMs + 1_000, `the pipes were cut ${clock.now()} ms after the exit`);
    } finally {
      killQuietly(grandchild);
    }
  });

  it('are cut at the cap when a process that left the group keeps writing, so the exit is reported and a successor can start', async () => {
    const clock = new SimulatedClock();
    // The grandchild left the group (setsid) and writes every 10 ms: never silent for the limit.
    const { handle, exit, exited } = spawnNode(
      "const c = require('child_process').spawn('sh', ['-c', 'while :; do echo tick; sleep 0.01; done'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] }); console.log(c.pid); c.unref();",
      clock,
    );
    const grandchild = Number(await firstLine(handle.stdout));
    let ticks = 0;
    handle.stdout.on('data', (chunk: Buffer) => (ticks += chunk.toString().split('tick').length - 1));
    handle.stdout.resume();
    // Before each check, a tick more has been read: the pipes are never quiet.
    const ticked = async () => {
      const seen = ticks;
      while (ticks === seen && !exited()) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    try {
      await watchingPipes(clock);
      await checkPipesFor(clock, outputDrainCapMs - 250, { between: ticked });
      assert.equal(exited(), false, 'not cut before the cap while output keeps coming');
      await checkPipesFor(clock, 5_000, { between: ticked, done: exited });
      assert.deepEqual(await exit, { code: 0, signal: null });
      assert.ok(clock.now() >= outputDrainCapMs && clock.now() <= outputDrainCapMs + 1_000, `the pipes were cut ${clock.now()} ms after the exit`);
      assert.ok(ticks >= outputDrainCapMs / 250, `the grandchild's output was read until the cut: ${ticks} ticks`);
    } finally {
      killQuietly(grandchild);
    }
  });
});
