import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { echoBackend, request } from './helpers/portico.ts';
import { launcher, startPorticoCommand, stopAllPorticoClis, type RunningCommand } from './helpers/porticoCli.ts';

/** A file a careless deploy or an attacker puts where Portico's config or htpasswd file was, and what Portico says of it. */
interface Hostile {
  readonly name: string;
  readonly says: string;
  make(path: string): Promise<void>;
}

const hostiles: Hostile[] = [
  { name: 'a FIFO no one writes to', says: 'is a FIFO (named pipe), not a regular file', make: async (path) => void execFileSync('mkfifo', [path]) },
  { name: '/dev/zero', says: 'is a character device, not a regular file', make: (path) => symlink('/dev/zero', path) },
  { name: 'a folder', says: 'is a folder, not a regular file', make: (path) => mkdir(path) },
  { name: 'a loop of symbolic links', says: 'cannot be read (ELOOP: a loop of symbolic links)', make: (path) => symlink(path, path) },
  {
    name: 'a file of 1 GiB',
    says: 'is 1073741824 bytes, past the 16777216 Portico reads of it',
    make: async (path) => {
      await writeFile(path, '{}');
      await truncate(path, 1024 ** 3);
    },
  },
];

/** Swaps `file` for the hostile thing, and gives back a function that lets go a reader an old build left waiting on a FIFO. */
async function swap(file: string, hostile: Hostile): Promise<void> {
  await rm(file, { recursive: true });
  await hostile.make(file);
}

function freeFifo(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader waits on it, or it is no FIFO.
  }
}

/** Runs `portico ARGS` to its end: its exit code and stderr. */
function portico(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const count = (running: RunningCommand, pattern: RegExp) => [...running.stdout().matchAll(new RegExp(pattern.source, 'g'))].length;

// Files of a running Portico swapped for one that is no file of its (the session's "files" task).
describe('portico start whose config or htpasswd file is swapped while it runs', function () {
  this.timeout(120_000);
  afterEach(stopAllPorticoClis);

  // Failed before: with watch: true, the change was read with readFile, so a FIFO held a thread of
  // libuv's pool for good and nothing was said; /dev/zero was read until 2 GiB.
  it('refuses each, on its watch, a SIGHUP and portico reload, says what to fix, and serves on with the config in force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-hostile-'));
    const file = join(dir, 'portico.json');
    const socket = join(dir, 'admin.sock');
    const config = (version: string) =>
      JSON.stringify({
        listen: [{ port: 0, host: '127.0.0.1' }],
        admin: { port: 0, host: '127.0.0.1', socket },
        fronts: 1,
        watch: true,
        apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], environmentVariables: { VERSION: version } }],
      });
    await writeFile(file, config('1'));
    const running = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: dir });
    try {
      for (const hostile of hostiles) {
        await swap(file, hostile);
        const failed = new RegExp(`"event":"config.reload_failed".*"problems":\\["${escape(`${file}: ${hostile.says}`)}`);
        await running.waitForStdout(failed);
        running.child.kill('SIGHUP');
        await running.waitForStdout(failed, count(running, failed) + 1);
        const reload = await portico(['reload', '-a', socket]);
        assert.equal(reload.code, 1, reload.stderr);
        assert.match(reload.stderr, new RegExp(`the new config was refused; the running one stays in force:\\n.*portico\\.json: ${escape(hostile.says)}`));
        assert.equal((await request(running.port, '/')).status, 200);
        freeFifo(file);
      }
      // A good config again is loaded: the thread pool was held by none of them.
      await rm(file, { recursive: true });
      await writeFile(file, config('2'));
      await running.waitForStdout(/"event":"config.reloaded","eventId":1500,"changed":\["shop"\]/);
      assert.equal((await request(running.port, '/')).status, 200);
      assert.equal(await running.stop(), 0);
    } finally {
      freeFifo(file);
    }
  });

  // Failed before: a front read the swapped htpasswd file with readFile on a request, a FIFO held
  // the request (and a thread of the pool) for good; a reload that built the app's authenticator
  // anew read it with readFileSync, and a FIFO blocked the control process's event loop for good.
  it('refuses a swapped htpasswd file on use and at a reload, says what to fix, and lets in the users of the last good one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-hostile-'));
    const file = join(dir, 'portico.json');
    const users = join(dir, 'users.htpasswd');
    await writeFile(users, `anna:${bcrypt.hashSync('secret', 4)}\n`);
    const config = (realm: string) =>
      JSON.stringify({
        listen: [{ port: 0, host: '127.0.0.1' }],
        fronts: 1,
        apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], auth: { type: 'basic', htpasswdFile: users, realm } }],
      });
    await writeFile(file, config('one'));
    const running = await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: dir });
    const authorization = `Basic ${Buffer.from('anna:secret').toString('base64')}`;
    try {
      assert.equal((await request(running.port, '/', { headers: { authorization } })).status, 200);
      for (const [i, hostile] of hostiles.entries()) {
        await swap(users, hostile);
        const failed = new RegExp(`"event":"auth.htpasswd_reload_failed".*"message":"${escape(`${users} ${hostile.says}`)}"`);
        // A request more than a second after the last look makes the front look again.
        while (count(running, failed) === 0) assert.equal((await request(running.port, '/', { headers: { authorization } })).status, 200);
        // The app's authenticator built anew, by a reload that changes its realm.
        await writeFile(file, config(`realm${i}`));
        running.child.kill('SIGHUP');
        // Refused by the config's own check (not a file) or by the authenticator it builds (too big).
        await running.waitForStdout(/"event":"config.reload_failed".*htpasswdFile/, i + 1);
        assert.equal((await request(running.port, '/', { headers: { authorization } })).status, 200);
        freeFifo(users);
      }
      assert.equal(await running.stop(), 0);
    } catch (error) {
      console.log(running.stdout(), running.stderr());
      throw error;
    } finally {
      freeFifo(users);
    }
  });
});
