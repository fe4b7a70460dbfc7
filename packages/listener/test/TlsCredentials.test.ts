import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsCredentials, loadTlsCredentialsSync, TlsFileUnreadableError } from '../src/index.ts';

// A listen entry's TLS files swapped for what is no PEM file. Failed before: read with readFile
// (and readFileSync for portico check), a FIFO held a thread of libuv's pool (the event loop) for
// good, and /dev/zero was read until memory ran out.
describe('loadTlsCredentials on hostile files', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'portico-tls-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  const loaders = [
    ['loadTlsCredentials', loadTlsCredentials],
    ['loadTlsCredentialsSync', async (settings: { cert: string; key: string }) => loadTlsCredentialsSync(settings)],
  ] as const;
  for (const [name, load] of loaders) {
    for (const [kind, make, says] of [
      ['a FIFO no one writes to', (path: string) => void execFileSync('mkfifo', [path]), 'is a FIFO (named pipe), not a regular file'],
      ['/dev/zero', (path: string) => symlink('/dev/zero', path), 'is a character device, not a regular file'],
      ['a file of 1 GiB', async (path: string) => {
        await writeFile(path, '');
        await truncate(path, 1024 ** 3);
      }, 'is 1073741824 bytes, past the 16777216 Portico reads of it'],
    ] as const) {
      it(`${name} refuses a certificate that is ${kind} at once, saying what it is`, async () => {
        const cert = join(dir, `${name}-${kind.replace(/\W+/g, '-')}.pem`);
        await make(cert);
        await assert.rejects(load({ cert, key: join(dir, 'key.pem') }), (error: unknown) => {
          assert.ok(error instanceof TlsFileUnreadableError);
          assert.equal(error.message, `cannot read the TLS certificate ${cert}: ${says}`);
          return true;
        });
      });
    }
  }
});
