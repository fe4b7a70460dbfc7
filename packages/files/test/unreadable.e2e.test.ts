import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/readAndSay.ts', import.meta.url));

/** Runs the fixture as a user that permissions hold: root passes every check, so as nobody there. */
function readAsUser(reader: string, file: string): Promise<unknown> {
  const node = [process.execPath, '--import', 'tsx/esm', '--conditions=portico-source', fixture, reader, file];
  const [command, args] = process.getuid?.() === 0 ? ['su', ['nobody', '-s', '/bin/sh', '-c', node.map((word) => JSON.stringify(word)).join(' ')]] : [node[0]!, node.slice(1)];
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: fileURLToPath(new URL('.', import.meta.url)) }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}: ${stderr}`));
      resolve(JSON.parse(stdout));
    });
  });
}

// A file Portico may not open says which permission to check. It said "no read permission" only,
// though an open refused with EACCES is as often a folder on the path without search (x)
// permission for Portico's user: the file's own mode then looks right and the hint misleads.
describe('a file Portico may not open', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-files-'));
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'locked'));
    await writeFile(join(dir, 'locked', 'htpasswd'), 'users');
    await chmod(join(dir, 'locked'), 0o000);
    await writeFile(join(dir, 'htpasswd'), 'users');
    await chmod(join(dir, 'htpasswd'), 0o000);
  });
  after(async () => {
    await chmod(join(dir, 'locked'), 0o755);
    await rm(dir, { recursive: true, force: true });
  });

  const hint = 'cannot be read (EACCES: the user Portico runs as may not read the file, or may not search (x) a folder on its path)';
  for (const reader of ['readRegularFileSync', 'readRegularFile']) {
    for (const [where, file] of [
      ['in a folder of mode 000', ['locked', 'htpasswd']],
      ['of mode 000', ['htpasswd']],
    ] as const) {
      it(`${reader} names both permissions for a file ${where}`, async () => {
        assert.deepEqual(await readAsUser(reader, join(dir, ...file)), { problem: hint, code: 'EACCES' });
      });
    }
  }
});
