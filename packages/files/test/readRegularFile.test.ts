import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegularFile, readRegularFileSync, type RegularFileRead } from '../src/index.ts';

const readers: [string, (file: string, maxBytes: number) => Promise<RegularFileRead>][] = [
  ['readRegularFile', readRegularFile],
  ['readRegularFileSync', async (file, maxBytes) => readRegularFileSync(file, maxBytes)],
];

for (const [name, read] of readers) {
  describe(name, () => {
    let dir: string;
    before(async () => (dir = await mkdtemp(join(tmpdir(), 'portico-files-'))));
    after(() => rm(dir, { recursive: true, force: true }));

    it('reads a regular file, and one a symbolic link names, with the fstat of what it read', async () => {
      const file = join(dir, `${name}-plain`);
      await writeFile(file, 'users');
      await symlink(file, `${file}-link`);
      for (const path of [file, `${file}-link`]) {
        const got = await read(path, 5);
        assert.ok('bytes' in got);
        assert.equal(got.bytes.toString(), 'users');
        assert.equal(got.stats.size, 5);
      }
    });

    for (const [kind, make, problem, code] of [
      ['a FIFO no one writes to', (path: string) => void execFileSync('mkfifo', [path]), 'is a FIFO (named pipe), not a regular file', 'ENOTREGULAR'],
      ['/dev/zero', (path: string) => symlink('/dev/zero', path), 'is a character device, not a regular file', 'ENOTREGULAR'],
      ['a folder', (path: string) => mkdir(path), 'is a folder, not a regular file', 'ENOTREGULAR'],
      ['a loop of symbolic links', (path: string) => symlink(path, path), 'cannot be read (ELOOP: a loop of symbolic links)', 'ELOOP'],
      ['a file past the bound', (path: string) => writeFile(path, '123456'), 'is 6 bytes, past the 5 Portico reads of it', 'ETOOBIG'],
      ['a path that is not there', () => undefined, 'cannot be read (ENOENT)', 'ENOENT'],
    ] as const) {
      it(`refuses ${kind} at once, saying why`, async () => {
        const file = join(dir, `${name}-${kind.replace(/\W+/g, '-')}`);
        await make(file);
        assert.deepEqual(await read(file, 5), { problem, code });
      });
    }

    it('refuses a sparse file of 1 GiB by its size, without reading it', async () => {
      const file = join(dir, `${name}-huge`);
      await writeFile(file, '');
      await truncate(file, 1024 ** 3);
      assert.deepEqual(await read(file, 16 * 1024 * 1024), { problem: 'is 1073741824 bytes, past the 16777216 Portico reads of it', code: 'ETOOBIG' });
    });
  });
}

describe('readRegularFile with cut', () => {
  it('gives the first maxBytes of a larger regular file, and refuses what is no regular file all the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-files-'));
    try {
      const file = join(dir, 'page');
      await writeFile(file, '123456');
      const got = await readRegularFile(file, 5, { cut: true });
      assert.ok('bytes' in got);
      assert.equal(got.bytes.toString(), '12345');
      assert.deepEqual(await readRegularFile('/dev/zero', 5, { cut: true }), { problem: 'is a character device, not a regular file', code: 'ENOTREGULAR' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readRegularFile on FIFOs', () => {
  it('holds no thread of libuv\'s pool, however many', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-files-'));
    try {
      const fifos = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => join(dir, `fifo-${i}`));
      for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
      const reads = await Promise.all(fifos.map((fifo) => readRegularFile(fifo, 1024)));
      assert.ok(reads.every((got) => 'code' in got && got.code === 'ENOTREGULAR'));
      // Every thread is free: a read of a file of the process's own goes through.
      assert.ok((await readFile(new URL(import.meta.url))).length > 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
