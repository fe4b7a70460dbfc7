import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoBackend } from './helpers/portico.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));

/** Another program holding a port: a node process listening on 127.0.0.1, port 0. */
async function holdPort(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))", 'port-holder'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the port holder exited with ${code}`)));
  });
  return { child, port };
}

function start(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [launcher, 'start', '-c', file], { timeout: 30_000 }, (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }));
  });
}

/** `portico start` with the config `shape` gives in a folder of its own, and the shop app. */
async function startWith(shape: (dir: string) => Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-inuse-'));
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ ...shape(dir), apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend] }] }));
  return start(file);
}

describe('portico start on a port in use', function () {
  this.timeout(60_000);
  let holder: ChildProcess | undefined;
  afterEach(() => holder?.kill('SIGKILL'));

  for (const fronts of [1, 2]) {
    it(`says which address, which config key and which process holds it, without a stack, and exits 1 (fronts: ${fronts})`, async () => {
      const held = await holdPort();
      holder = held.child;
      // With several fronts the control process binds and the fronts listen on copies.
      const run = await startWith(() => ({ fronts, listen: [{ port: 0, host: '127.0.0.1' }, { port: held.port, host: '127.0.0.1' }] }));
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /internal error|    at /);
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${held.port} \\(listen\\[1\\]\\): the address is in use by pid ${held.child.pid} \\(\\S*node -e `));
      assert.match(lines[0]!, /choose another port in listen\[1\]\.port/);
    });
  }

  it('names admin.port when the admin endpoint cannot listen', async () => {
    const held = await holdPort();
    holder = held.child;
    const run = await startWith((dir) => ({ fronts: 1, listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: held.port, socket: join(dir, 'admin.sock') } }));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${held.port} \\(admin\\): the address is in use by pid ${held.child.pid} `));
    assert.match(run.stderr, /choose another port in admin\.port/);
  });

  // Failed before: "cannot listen on PATH (admin): EADDRINUSE; free the port or choose another
  // in "admin"", which names a port for a socket, and no key.
  it('says that another process answers on admin.socket, as a second Portico on the same config does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-inuse-'));
    const socket = join(dir, 'admin.sock');
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    holder = child;
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    const run = await startWith(() => ({ fronts: 1, listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: 0, socket } }));
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `portico start: cannot serve the admin socket ${socket} (admin.socket): a process answers there already, as another Portico started with this config would (portico status with the same -c shows it); stop it, or choose another path in admin.socket\n`,
    );
  });
});
