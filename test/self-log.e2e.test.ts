import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoBackend, json, request } from './helpers/portico.ts';
import { isAlive } from './helpers/processes.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));

/** Sends a request head with a header line without a colon: Portico refuses it with 400 and logs the refusal. */
function malformed(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n'));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly admin: number;
  stderr(): string;
}

/** Starts `portico start` with its stdout on `stdoutFd`, and waits for the line that says where it serves. */
async function startCli(config: Record<string, unknown>, stdoutFd: number | 'pipe'): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-selflog-'));
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify(config));
  const child = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', stdoutFd, 'pipe'] });
  let stderr = '';
  const [port, admin] = await new Promise<[number, number]>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /serving http:\/\/127\.0\.0\.1:(\d+)\/; status page http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      if (found) resolve([Number(found[1]), Number(found[2])]);
    });
    child.on('exit', (code) => reject(new Error(`portico exited with ${code}: ${stderr}`)));
  });
  return { child, port, admin, stderr: () => stderr };
}

describe("Portico's own log on a full disk", function () {
  this.timeout(120_000);
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** Starts Portico in front of one echo backend with its stdout on `stdout`. */
  async function startWithStdout(stdout: number | 'pipe', socket: string): Promise<Running> {
    const running = await startCli(
      {
        listen: [{ port: 0, host: '127.0.0.1' }],
        fronts: 1,
        admin: { port: 0, socket },
        apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager', processesPerApplication: 1 }],
      },
      stdout,
    );
    children.push(running.child);
    return running;
  }

  /**
   * Floods Portico with `rounds` × 20 malformed requests (each refusal is one log line: about 600
   * were enough to crash it on a full disk), then checks that it served on, counted the failed writes of `code` in /metrics,
   * said so once on stderr, and still stops cleanly with its backend.
   */
  async function holdsWhileItsLogFails(running: Running, socket: string, code: string, rounds: number): Promise<void> {
    const exits: (number | null)[] = [];
    running.child.on('exit', (exitCode) => exits.push(exitCode));
    const backend = json(await request(running.port, '/')).pid;
    // Twenty connections at a time: the log lines pile up as fast, in a twentieth of the turns.
    for (let i = 0; i < rounds; i++) {
      for (const answer of await Promise.all(Array.from({ length: 20 }, () => malformed(running.port)))) assert.match(answer, /^HTTP\/1\.1 400 /);
    }
    assert.deepEqual(exits, [], `portico exited: ${running.stderr()}`);
    assert.ok(isAlive(backend), 'the backend was killed');
    assert.equal(json(await request(running.port, '/')).pid, backend);

    const metrics = await new Promise<string>((resolve, reject) => {
      // The unix socket needs no token.
      const req = http.get({ socketPath: socket, path: '/metrics', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
    });
    const failed = new RegExp(`^portico_log_write_failures_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(metrics);
    assert.ok(failed && Number(failed[1]) > 0, `no ${code} count in /metrics:\n${metrics}`);
    const reports = running.stderr().split('\n').filter((line) => line.includes(code));
    assert.equal(reports.length, 1, `expected one report on stderr, got:\n${running.stderr()}`);

    const exited = new Promise<number | null>((resolve) => running.child.on('exit', (exitCode) => resolve(exitCode)));
    running.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(!isAlive(backend), 'the backend outlived portico');
  }

  (existsSync('/dev/full') ? it : it.skip)('keeps serving with stdout on /dev/full (ENOSPC), counts the failed writes in /metrics and says so once on stderr', async () => {
    const socket = join(tmpdir(), `portico-selflog-${process.pid}`, 'admin.sock');
    const full = openSync('/dev/full', 'w');
    let running: Running;
    try {
      running = await startWithStdout(full, socket);
    } finally {
      closeSync(full);
    }
    await holdsWhileItsLogFails(running, socket, 'ENOSPC', 50);
  });

  it('keeps serving with stdout on a pipe whose reader has gone (EPIPE), counts the failed writes in /metrics and says so once on stderr', async () => {
    const socket = join(tmpdir(), `portico-selflog-pipe-${process.pid}`, 'admin.sock');
    const running = await startWithStdout('pipe', socket);
    // The reader goes: every later write to the pipe fails with EPIPE.
    running.child.stdout!.destroy();
    await holdsWhileItsLogFails(running, socket, 'EPIPE', 10);
  });
});
