import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { outputDrainLimitMs } from '../src/createNodeProcessHost.ts';
import { collect, firstLine, killQuietly, slowDisk, spawnNode } from './outputPipes.ts';

// CI lost the end of a crashed backend's output: its capture, writing behind a slow disk, held
// the pipe back (pipe backpressure), and the host cut the pipes 5 s after the exit as if something
// else held them open. Failed before: the held stdout was destroyed with 18 928 of 150 000 bytes still in its read buffer.
describe('a worker process\'s output pipes after its exit', function () {
  this.timeout(60_000);

  it('are read to the end however long Portico\'s own reader holds them back', async () => {
    const { handle, exit, exited } = spawnNode("process.stdout.write('y'.repeat(150000)); process.stderr.write('last words\\n')");
    // A capture whose disk is slow: it takes one chunk, then the pipe waits until the disk is back.
    const disk = slowDisk();
    handle.stdout.pipe(disk.writable);
    const stderr = collect(handle.stderr);
    // Held back past the limit that cuts pipes held open by someone else.
    await sleep(outputDrainLimitMs + 1_500);
    assert.equal(exited(), false, 'the exit waits for the output: it is not read to the end yet');
    disk.recover();
    assert.deepEqual(await exit, { code: 0, signal: null });
    assert.equal(disk.written(), 150_000);
    assert.equal((await stderr).toString(), 'last words\n');
  });

  it('are cut once nothing came for the limit when a process that left the group holds them open', async () => {
    // The grandchild calls setsid (detached) and keeps the inherited pipes: the group's kill misses it.
    const { handle, exit } = spawnNode(
      "const c = require('child_process').spawn('sleep', ['60'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] }); console.log(c.pid); c.unref();",
    );
    const grandchild = Number(await firstLine(handle.stdout));
    handle.stdout.resume();
    try {
      const started = Date.now();
      assert.deepEqual(await exit, { code: 0, signal: null });
      const waited = Date.now() - started;
      assert.ok(waited >= outputDrainLimitMs - 500, `the pipes were cut after ${waited} ms`);
    } finally {
      killQuietly(grandchild);
    }
  });
});
