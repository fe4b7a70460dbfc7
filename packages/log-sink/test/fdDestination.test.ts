import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fdDestination } from '../src/internal/fdDestination.ts';
import { LogWriteFailures } from '../src/LogWriteFailures.ts';

(existsSync('/dev/full') ? describe : describe.skip)('fdDestination', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-fd-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the lines it kept once the descriptor takes writes again', async function () {
    this.timeout(10_000);
    const failures = new LogWriteFailures('a test');
    const full = openSync('/dev/full', 'w');
    const stream = fdDestination(full, failures) as unknown as { fd: number; write(text: string): boolean };
    stream.write('one\n');
    while (failures.counts().failedWrites['ENOSPC'] === undefined) await new Promise((resolve) => setImmediate(resolve));
    stream.write('two\n');
    // The disk has room again: the same stream now writes to a file that takes writes.
    const file = join(dir, 'log');
    stream.fd = openSync(file, 'a');
    closeSync(full);
    // Nothing more is logged: the retry timer alone writes what was kept.
    while (readFileSync(file, 'utf8') !== 'one\ntwo\n') await new Promise((resolve) => setTimeout(resolve, 20));
    stream.write('three\n');
    while (readFileSync(file, 'utf8') !== 'one\ntwo\nthree\n') await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(failures.counts().droppedLines, 0);
  });
});
