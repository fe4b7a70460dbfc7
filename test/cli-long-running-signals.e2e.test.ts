import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { request } from './helpers/portico.ts';
import { chattyBackend, launcher, startPorticoCli, stopAllPorticoClis, type RunningCli } from './helpers/porticoCli.ts';

/** A long-running `portico …` command: what it printed so far, and a wait for a pattern in its stdout. */
function run(args: readonly string[]): { child: ChildProcess; stderr: () => string; printed: (pattern: RegExp, count?: number) => Promise<void> } {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), wake()));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), wake()));
  child.on('exit', wake);
  const printed = (pattern: RegExp, count = 1) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if ((stdout.match(new RegExp(pattern.source, 'g')) ?? []).length >= count) {
          waiters.delete(check);
          resolve();
        } else if (child.exitCode !== null) reject(new Error(`${args.join(' ')} exited ${child.exitCode} before printing ${pattern}: ${stdout}\n${stderr}`));
      };
      waiters.add(check);
      check();
    });
  return { child, stderr: () => stderr, printed };
}

const chatty = { name: 'shop', match: { path: '/shop' }, stripPrefix: true, processPath: process.execPath, arguments: [chattyBackend], start: 'eager' };
const say = (cli: RunningCli, text: string) => request(cli.port, `/shop/say?text=${encodeURIComponent(text)}`);

// Node opens its inspector on 127.0.0.1:9229 when a process gets SIGUSR1 (and says "Debugger
// listening on …", or that the port is taken): any local user could then run code as the operator
// in a `logs -f` or `status -w` left running. Failed before: both printed the line and kept the
// inspector open.
describe('portico logs -f and status -w under signals', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticoClis);

  it('logs -f opens no inspector on SIGUSR1 and goes on following; SIGTERM ends it with exit 0', async () => {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty] });
    await say(cli, 'before');
    const logs = run(['logs', '-f', '-c', cli.file, 'shop']);
    await logs.printed(/before/);
    logs.child.kill('SIGUSR1');
    logs.child.kill('SIGUSR1');
    await say(cli, 'after the signal');
    await logs.printed(/after the signal/);
    assert.doesNotMatch(logs.stderr(), /Debugger|inspector/i);
    logs.child.kill('SIGTERM');
    const [code] = (await once(logs.child, 'exit')) as [number | null];
    assert.equal(code, 0, logs.stderr());
    assert.equal(logs.stderr(), '');
  });

  // SIGHUP keeps Node's default, as the end of a terminal ends `tail -f` (and `nohup` can ignore it).
  it('status -w opens no inspector on SIGUSR1 and goes on drawing; SIGHUP ends it', async () => {
    const cli = await startPorticoCli({ admin: { port: 0 }, apps: [chatty] });
    const status = run(['status', '-w', '--interval', '0.1', '-c', cli.file]);
    await status.printed(/shop/);
    status.child.kill('SIGUSR1');
    // Three tables more after the signal: it is still drawing.
    await status.printed(/shop/, 4);
    assert.doesNotMatch(status.stderr(), /Debugger|inspector/i);
    status.child.kill('SIGHUP');
    const ended = (await once(status.child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.deepEqual(ended, [null, 'SIGHUP'], status.stderr());
    assert.equal(status.stderr(), '');
  });

  // The launcher ignores SIGHUP, SIGUSR1 and SIGUSR2 while a `portico start` loads, for the server
  // it will be; it tested only that the command was `start`, so `portico start APP`, which asks a
  // running Portico, kept ignoring them. Failed before: the SIGHUP of a closed terminal left it
  // waiting, and it printed "shop started" once answered, exit 0.
  it('start APP, waiting for Portico, ends on SIGHUP as restart APP does', async () => {
    const held: http.ServerResponse[] = [];
    const arrived = new Set<() => void>();
    // An admin endpoint that holds each request: the command is waiting when the signal comes.
    const admin = http.createServer((_req, res) => {
      held.push(res);
      for (const wake of [...arrived]) wake();
    });
    admin.listen(0, '127.0.0.1');
    await once(admin, 'listening');
    const address = `127.0.0.1:${(admin.address() as { port: number }).port}`;
    try {
      for (const command of ['restart', 'start']) {
        const waiting = new Promise<void>((resolve) => arrived.add(resolve));
        const client = run([command, '-a', address, '--timeout', '60', 'shop']);
        const exited = once(client.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        await waiting;
        arrived.clear();
        client.child.kill('SIGHUP');
        // Answered after the signal: a command that ignored it prints its success and exits 0.
        held.at(-1)!.end(JSON.stringify({ ok: true }));
        assert.deepEqual(await exited, [null, 'SIGHUP'], `${command}: ${client.stderr()}`);
      }
    } finally {
      admin.closeAllConnections();
      admin.close();
    }
  });
});
