import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from './helpers/portico.ts';
import { chattyBackend, launcher, startPorticoCli, stopAllPorticoClis, type RunningCli } from './helpers/porticoCli.ts';

// Issue 19, "portico logs": every app's output with a worker prefix, --lines, --since, -f; and
// -f showed a crashed process's last line only by luck.

const chatty = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  match: { path: `/${name}` },
  stripPrefix: true,
  processPath: process.execPath,
  arguments: [chattyBackend],
  start: 'eager',
  shutdownTimeLimit: 5,
  ...extra,
});

/** A `portico logs …` run to its end: its exit code and what it printed. */
async function logs(cli: RunningCli, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [launcher, 'logs', '-c', cli.file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** A `portico logs -f …` running: what it printed so far, and a wait for a pattern in it. */
function follow(cli: RunningCli, ...args: string[]): { child: ChildProcess; stdout: () => string; printed: (pattern: RegExp) => Promise<void> } {
  const child = spawn(process.execPath, [launcher, 'logs', '-f', '-c', cli.file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const wake of [...waiters]) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) {
          waiters.delete(check);
          resolve();
        } else if (child.exitCode !== null) reject(new Error(`logs -f exited ${child.exitCode} before printing ${pattern}: ${stdout}\n${stderr}`));
      };
      waiters.add(check);
      child.on('exit', check);
      check();
    });
  return { child, stdout: () => stdout, printed };
}

const pidIn = async (cli: RunningCli, app: string, say = 'hello') =>
  (JSON.parse((await request(cli.port, `/${app}/say?text=${encodeURIComponent(say)}`)).body) as { pid: number }).pid;

describe('portico logs', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticoClis);

  it('-f prints a crashed process\'s last line before its successor\'s first', async () => {
    // Restarted at once: the successor replaces the crashed process's tail before a poll can see its last line.
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop', { restart: { backoff: { min: 0, max: 0 } } })] });
    const first = await pidIn(cli, 'shop');
    const followed = follow(cli, 'shop');
    try {
      await followed.printed(/hello/);
      // The last line is written in the same tick as process.exit(1): before, the poll every
      // second saw the old tail without it and then only the new process's tail.
      await request(cli.port, '/shop/crash?text=crash%20requested%20by%20the%20test', { method: 'POST' }).catch(() => undefined);
      const [, second] = await cli.waitForStdout(/"event":"worker\.ready"[^\n]*"workerPid":(\d+)/, 2);
      await followed.printed(new RegExp(`started ${second}`));
      const out = followed.stdout();
      assert.match(out, new RegExp(`started ${first}\\n[^]*hello\\n[^]*crash requested by the test\\n[^]*started ${second}\\n`), out);
    } finally {
      followed.child.kill('SIGTERM');
    }
    const [code] = (await once(followed.child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('-f ends quietly with exit 0 when its reader goes away (portico logs -f | head)', async () => {
    // Before, the first line written after the reader closed the pipe was an unhandled EPIPE: a
    // stack trace on stderr and exit 1; so with `status -w | head` and `logs | head`.
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop')] });
    await pidIn(cli, 'shop');
    const followed = follow(cli, 'shop');
    let stderr = '';
    followed.child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    await followed.printed(/started/);
    followed.child.stdout!.destroy();
    const exited = once(followed.child, 'exit') as Promise<[number | null]>;
    // Lines until the follower has written one into the closed pipe and ended.
    for (let i = 0; followed.child.exitCode === null && i < 200; i++) await pidIn(cli, 'shop', `after the reader left ${i}`);
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });

  it('prints every app\'s lines, each after its worker, without colour when piped', async () => {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop'), chatty('blog')] });
    const shop = await pidIn(cli, 'shop', 'from shop');
    const blog = await pidIn(cli, 'blog', 'from blog');
    const seen = follow(cli);
    await seen.printed(/from blog/);
    seen.child.kill('SIGTERM');
    const run = await logs(cli);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /\x1b\[/);
    const lines = run.stdout.split('\n').filter(Boolean);
    assert.deepEqual(lines.filter((l) => l.startsWith('shop#1 | ')), [`shop#1 | started ${shop}`, 'shop#1 | from shop']);
    assert.deepEqual(lines.filter((l) => l.startsWith('blog#1 | ')), [`blog#1 | started ${blog}`, 'blog#1 | from blog']);
    assert.equal(lines.length, 4, run.stdout);
  });

  it('--lines N prints the last N lines of each worker', async () => {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop', { processesPerApplication: 2 })] });
    await cli.waitForStdout(/"event":"worker\.ready"/, 2);
    for (const word of ['one', 'two', 'three']) await pidIn(cli, 'shop', word);
    const seen = follow(cli, 'shop');
    await seen.printed(/three/);
    seen.child.kill('SIGTERM');
    const all = (await logs(cli, 'shop')).stdout.split('\n').filter(Boolean);
    assert.equal(all.length, 5, 'two started lines and three words');
    const lastOfEach = [...new Map(all.map((l) => [l.split(' | ')[0], l])).values()];
    const run = await logs(cli, '--lines', '1', 'shop');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split('\n').filter(Boolean).sort(), lastOfEach.sort());
    assert.ok(lastOfEach.some((l) => l.endsWith(' | three')), run.stdout);
    const two = (await logs(cli, '-n', '2', 'shop')).stdout.split('\n').filter(Boolean);
    const workers = new Set(all.map((l) => l.split(' | ')[0]));
    const lastTwo = [...workers].flatMap((w) => all.filter((l) => l.startsWith(`${w} | `)).slice(-2));
    assert.deepEqual(two.sort(), lastTwo.sort());
    assert.equal((await logs(cli, '--lines', 'x')).code, 2);
  });

  it('--since takes a time or a duration', async () => {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop')] });
    const followed = follow(cli, 'shop');
    try {
      await pidIn(cli, 'shop', 'before the mark');
      await followed.printed(/before the mark/);
      const mark = new Date().toISOString();
      await pidIn(cli, 'shop', 'after the mark');
      await followed.printed(/after the mark/);
      const since = await logs(cli, '--since', mark);
      assert.equal(since.code, 0, since.stderr);
      assert.equal(since.stdout, 'shop#1 | after the mark\n');
      const hour = await logs(cli, '--since', '1h');
      assert.match(hour.stdout, /before the mark\n[^]*after the mark\n/);
      const bad = await logs(cli, '--since', 'yesterday-ish');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--since takes a duration back from now \(90s, 10m, 2h, 1d\) or a time/);
    } finally {
      followed.child.kill('SIGTERM');
    }
  });

  it('colours each app\'s prefix on a terminal, and shows the control characters of a line instead of sending them to it', async function () {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop'), chatty('blog')] });
    await pidIn(cli, 'shop', 'from shop');
    await pidIn(cli, 'blog', 'from blog');
    // What a client sent, printed by the app: before, it set the terminal's title.
    await pidIn(cli, 'shop', 'search: \x1b]0;owned\x07');
    const seen = follow(cli);
    await seen.printed(/from blog[^]*|from shop[^]*from blog/);
    await seen.printed(/owned/);
    seen.child.kill('SIGTERM');
    // script(1) runs the command on a pseudo-terminal, as a person's shell would.
    const command = [process.execPath, launcher, 'logs', '-c', cli.file].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: undefined } });
    if (child.pid === undefined) this.skip();
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, out);
    const shop = /\x1b\[(\d+)mshop#1 \|\x1b\[0m from shop/.exec(out);
    const blog = /\x1b\[(\d+)mblog#1 \|\x1b\[0m from blog/.exec(out);
    assert.ok(shop && blog, JSON.stringify(out));
    assert.notEqual(shop[1], blog[1], 'a colour per app');
    assert.match(out, /shop#1 \|\x1b\[0m search: \\x1b\]0;owned\\x07\r?\n/);
    assert.doesNotMatch(out, /\x1b\]|\x07/);
  });

  it('says which app does not exist, exit 1', async () => {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty('shop')] });
    const run = await logs(cli, 'shp');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no app named "shp"/);
  });
});
