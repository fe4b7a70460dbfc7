import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { AuthFileUnreadableError, createAuthenticator, type Authenticator } from '../src/index.ts';
import { basic, EventLog, expectSuccess, request, useTempDir } from './support.ts';

const password = 'b-secret';
const entry = `anna:${bcrypt.hashSync(password, 4)}\n`;

/** Makes `path` the hostile thing. */
type Hostile = { readonly name: string; readonly message: RegExp; make(path: string): Promise<void>; readonly asRoot?: false };

const hostiles: Hostile[] = [
  { name: 'a FIFO no one writes to', message: /is a FIFO \(named pipe\), not a regular file/, make: async (path) => void execFileSync('mkfifo', [path]) },
  { name: '/dev/zero', message: /is a character device, not a regular file/, make: (path) => symlink('/dev/zero', path) },
  { name: '/dev/urandom', message: /is a character device, not a regular file/, make: (path) => symlink('/dev/urandom', path) },
  { name: 'a folder', message: /is a folder, not a regular file/, make: (path) => mkdir(path) },
  { name: 'a loop of symbolic links', message: /cannot be read \(ELOOP: a loop of symbolic links\)/, make: (path) => symlink(path, path) },
  { name: 'a file of 1 GiB', message: /is 1073741824 bytes, past the 16777216 Portico reads of it/, make: async (path) => {
    await writeFile(path, entry);
    await truncate(path, 1024 ** 3);
  } },
  { name: 'a file Portico may not read', message: /cannot be read \(EACCES: the user Portico runs as may not read the file, or may not search \(x\) a folder on its path\)/, asRoot: false, make: async (path) => {
    await writeFile(path, entry);
    await chmod(path, 0o200);
  } },
];

/** Lets go a reader that an old build left waiting in open() on `fifo`. */
function freeFifo(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader waits on it, or it is no FIFO.
  }
}

// The htpasswd file of a running Portico swapped for something that is no htpasswd file. Failed
// before: the reload read it with readFile, so a FIFO held a thread of libuv's pool for good and
// every request waiting for the reload with it; /dev/zero was read until 2 GiB, a folder or a huge
// file reached the parser or the memory.
describe('basic authenticator whose htpasswd file is swapped while it runs', function () {
  this.timeout(30_000);
  const dir = useTempDir();

  for (const hostile of hostiles) {
    it(`keeps the last good users, reports what to fix and holds no thread of the pool when it becomes ${hostile.name}`, async function () {
      if (hostile.asRoot === false && process.getuid?.() === 0) this.skip();
      // Five: one more than libuv's threads, so a read that held one each would stall the pool.
      const files = [0, 1, 2, 3, 4].map((i) => join(dir.path, `${hostile.name.replace(/\W+/g, '-')}-${i}.htpasswd`));
      const log = new EventLog();
      let now = 1_000_000;
      const auths: Authenticator[] = [];
      try {
        for (const file of files) {
          await writeFile(file, entry);
          auths.push(createAuthenticator({ type: 'basic', htpasswdFile: file }, { onEvent: log.onEvent, clock: () => now }));
        }
        for (const file of files) {
          await rm(file);
          await hostile.make(file);
        }
        now += 1000;
        const answered = Promise.all(auths.map((auth) => auth.authenticate(request([basic('anna', password)]))));
        const fsStillWorks = readFile(new URL(import.meta.url));
        const outcome = await Promise.race([
          Promise.all([answered, fsStillWorks]).then(() => 'done'),
          new Promise((resolve) => setTimeout(resolve, 15_000, 'stuck').unref()),
        ]);
        assert.equal(outcome, 'done', 'the requests or the thread pool were held by the reload');
        for (const outcome of await answered) expectSuccess(outcome);
        // The watcher may have seen the file gone for a moment, between the rm and the swap.
        const failures = log.named('auth.htpasswd_reload_failed').map((event) => event.fields);
        for (const file of files) {
          assert.ok(failures.some((fields) => fields['file'] === file && hostile.message.test(String(fields['message']))), JSON.stringify(failures));
        }
      } finally {
        for (const auth of auths) await auth.close();
        for (const file of files) freeFifo(file);
      }
    });

    it(`refuses at once, naming the key and what to fix, an htpasswd file that is ${hostile.name} when the authenticator is built`, async function () {
      if (hostile.asRoot === false && process.getuid?.() === 0) this.skip();
      const file = join(dir.path, `built-${hostile.name.replace(/\W+/g, '-')}.htpasswd`);
      await hostile.make(file);
      try {
        assert.throws(
          () => createAuthenticator({ type: 'basic', htpasswdFile: file }),
          (error: unknown) => error instanceof AuthFileUnreadableError && /auth\.htpasswdFile/.test(error.message) && hostile.message.test(error.message),
        );
      } finally {
        freeFifo(file);
      }
    });
  }
});
