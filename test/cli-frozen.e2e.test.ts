import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { echoBackend } from './helpers/portico.ts';
import { launcher, startPorticoCli, stopAllPorticoClis } from './helpers/porticoCli.ts';

/** Runs the real `portico` command line; rejects only if it is still running after the safety net. */
function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    execFile(process.execPath, [launcher, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`portico ${args.join(' ')} did not end by itself: ${error.message}`));
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

// A command that changes a running Portico waits for it to act, as long as a rollout takes; a
// frozen Portico (SIGSTOP, a debugger, a blocked event loop) took the request and never answered.
describe('portico commands against a frozen Portico', function () {
  this.timeout(120_000);
  afterEach(stopAllPorticoClis);

  // Failed before: each command waited for ever (here, until the test's 60 s safety net).
  it('end with exit 69 and what to do when Portico says nothing for 10 s', async () => {
    const portico = await startPorticoCli({ fronts: 1, admin: { port: 0 }, apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend] }] });
    const pid = portico.child.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      // All seven at once: each bears 10 s of silence, and two rounds in turn took twice that.
      const changing = [['reload'], ['restart', 'shop'], ['stop', 'shop'], ['start', 'shop']].map((args) => cli([args[0]!, '-c', portico.file, ...args.slice(1)]));
      // Failed before for logs too: it waited for the answer's head for ever, with -f or without.
      const reading = [['logs', '-c', portico.file, 'shop'], ['logs', '-f', '-c', portico.file, 'shop'], ['status', '-c', portico.file]].map((args) => cli(args));
      const [changed, read] = await Promise.all([Promise.all(changing), Promise.all(reading)]);
      for (const { code, stdout, stderr } of changed) {
        assert.equal(code, 69, stderr);
        assert.equal(stdout, '');
        assert.match(stderr, /said nothing for 10 s .*Portico is frozen, stopped by a signal or a debugger \(ps -o stat= -p PID shows T; kill -CONT PID resumes it\)/);
        assert.match(stderr, /What was asked may still be done when it resumes: portico status shows it/);
      }
      for (const { code, stderr } of read) {
        assert.equal(code, 69, stderr);
        assert.match(stderr, /said nothing for 10 s .*Portico is frozen/);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  // Failed before: a connection that got no answer (a host down, a firewall that drops packets, a
  // wrong address) timed out as silence does, and was reported as a frozen Portico, with
  // advice about SIGSTOP and its log for a Portico that was never reached.
  it('say an address whose connection gets no answer is unreachable, not a frozen Portico', async () => {
    const listener = spawn(process.execPath, [fileURLToPath(new URL('fixtures/unaccepting-listener.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const fillers: net.Socket[] = [];
    try {
      const [line] = (await once(listener.stdout!, 'data')) as [Buffer];
      const address = `127.0.0.1:${Number(String(line))}`;
      // Its accept queue full, the kernel drops each new connection's SYN. `status` shares
      // askAdmin with these, and `logs` its connectDeadline, each at 10 s: left out for the tier's time.
      for (let i = 0; i < 2; i++) {
        const filler = net.connect(Number(String(line)), '127.0.0.1');
        fillers.push(filler);
        await once(filler, 'connect');
      }
      const results = await Promise.all([['reload', '-a', address, '--timeout', '2'], ['start', '-a', address, '--timeout', '2', 'shop']].map((args) => cli(args)));
      for (const { code, stdout, stderr } of results) {
        assert.equal(code, 69, stderr);
        assert.equal(stdout, '');
        assert.match(stderr, new RegExp(`cannot reach Portico's admin endpoint at http://${address}/ \\(no answer to the connection within \\d+ s: `));
        assert.match(stderr, /check that .* names the admin endpoint's host and port/);
        assert.doesNotMatch(stderr, /frozen/);
      }
    } finally {
      for (const filler of fillers) filler.destroy();
      listener.kill('SIGKILL');
    }
  });

  it('refuses a --timeout out of 2 to 3600 seconds as a usage error', async () => {
    for (const given of ['1', '0', 'abc', '', '3601']) {
      const { code, stderr } = await cli(['reload', '-a', '9', '--timeout', given]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /--timeout ".*" is not a number of seconds from 2 to 3600/);
    }
  });

  // Portico says `102 Processing` every second while it works: silence, not the length of the
  // wait, is what the command bears. Fails with the heartbeat taken out.
  it('waits out a rollout longer than --timeout while Portico says it is at work', async () => {
    const portico = await startPorticoCli({
      fronts: 1,
      admin: { port: 0 },
      apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager', environmentVariables: { LISTEN_DELAY_MS: '5000' } }],
    });
    await portico.waitForStdout(/"event":"app.ready"|"event":"worker.ready"/);
    const { code, stdout, stderr } = await cli(['restart', '-c', portico.file, '--timeout', '2', 'shop']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'shop restarted: new workers are serving\n');
  });
});
