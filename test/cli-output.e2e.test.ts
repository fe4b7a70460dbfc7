import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoBackend, json, request } from './helpers/portico.ts';
import { runInTerminal } from './helpers/terminal.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));
const ansi = /\x1b\[[0-9;]*m/g;

async function configFile(version = '1', start = 'eager'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-output-'));
  const file = join(dir, 'portico.json');
  await writeFile(file, shopConfig(version, start));
  return file;
}

// Run as root (CI containers), an app without a user is warned about (worker.runs_as_root):
// naming root keeps it on purpose, as a healthy session would.
const asRoot = process.getuid?.() === 0 ? { user: 'root' } : {};

function shopConfig(version: string, start = 'eager'): string {
  return JSON.stringify({
    listen: [{ port: 0, host: '127.0.0.1' }],
    apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start, processesPerApplication: 2, environmentVariables: { VERSION: version }, ...asRoot }],
  });
}

describe("portico start: Portico's own output", function () {
  this.timeout(60_000);

  it('prints one compact line per event on a terminal: time, level, event and its fields, no continuation lines', async () => {
    const file = await configFile();
    const run = runInTerminal(process.execPath, [launcher, 'start', '-c', file]);
    await run.waitFor(/worker\.ready[^\n]*\n[^]*worker\.ready[^\n]*\n/);
    await run.waitFor(/portico\.started[^\n]*\n/);
    run.interrupt();
    assert.equal(await run.exited, 0);
    // The terminal echoes the Ctrl-C as ^C before the next line.
    const lines = run.output().replace(ansi, '').replace('^C', '').split('\n').filter((line) => line !== '' && !line.startsWith('portico: serving'));
    assert.ok(lines.length >= 6, `too few lines:\n${run.output()}`);
    for (const line of lines) {
      assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} (INFO|WARN|ERROR) +[a-z]+\.[a-z_]+( |$)/, `not a compact event line: ${JSON.stringify(line)}`);
      assert.ok(line.length <= 200, `a line longer than 200 characters: ${line}`);
    }
    const ready = lines.find((line) => line.includes('worker.ready'))!;
    assert.match(ready, / app=shop /);
    assert.match(ready, / workerPid=\d+ /);
    assert.match(ready, / endpoint=127\.0\.0\.1:\d+/);
    assert.doesNotMatch(ready, /The backend is listening/, 'the catalogue meaning repeats the event name');
    assert.ok(lines.some((line) => / INFO +portico\.stopped/.test(line)), `no portico.stopped line:\n${lines.join('\n')}`);
  });

  it('prints JSON lines on a terminal with --log-format json, and only warnings and worse with --log-level warn', async () => {
    // Started on the first request, so that no worker is being started when Ctrl-C comes.
    const file = await configFile('1', 'lazy');
    const run = runInTerminal(process.execPath, [launcher, 'start', '-c', file, '--log-format', 'json', '--log-level', 'warn']);
    await run.waitFor(/portico: serving/);
    run.interrupt();
    assert.equal(await run.exited, 0, run.output());
    assert.equal(run.output().replace(/portico: serving[^\n]*\n/, '').replace('^C', '').trim(), '', 'an info line was printed at --log-level warn');

    const verbose = runInTerminal(process.execPath, [launcher, 'start', '-c', await configFile(), '--log-format', 'json', '--log-level', 'debug']);
    await verbose.waitFor(/"event":"worker\.ready"[^]*"event":"worker\.ready"[^\n]*\n/);
    await verbose.waitFor(/"event":"portico\.started"[^\n]*\n/);
    verbose.interrupt();
    assert.equal(await verbose.exited, 0);
    const lines = verbose.output().split('\n').filter((line) => line.startsWith('{'));
    assert.ok(lines.length >= 6);
    for (const line of lines) assert.equal(typeof (JSON.parse(line) as { level: unknown }).level, 'number');
  });

  it('refuses a --log-format or --log-level it does not know, naming the ones it does (exit 2)', async () => {
    const file = await configFile();
    for (const [option, value, allowed] of [['--log-format', 'xml', /pretty, json/], ['--log-level', 'loud', /fatal, error, warn, info, debug, trace, silent/]] as const) {
      const child = spawn(process.execPath, [launcher, 'start', '-c', file, option, value], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`${option} "${value}"`));
      assert.match(stderr, allowed);
    }
  });

  it('logs no warning in a healthy session with several reloads: stops Portico asked for are info (regression: 18 warnings for 6 reloads)', async () => {
    const file = await configFile('1');
    const portico = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const changed = () => new Promise((resolve) => portico.stdout.once('data', resolve));
    portico.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      portico.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
        if (found) resolve(Number(found[1]));
      });
      portico.on('exit', (code) => reject(new Error(`portico exited with ${code}: ${stderr}`)));
    });
    for (let version = 2; version <= 4; version++) {
      await writeFile(file, shopConfig(String(version)));
      portico.kill('SIGHUP');
      const reloaded = () => stdout.split('\n').filter((line) => line.includes('"event":"config.reloaded"')).length;
      while (reloaded() < version - 1) await changed();
      // The old workers drain and stop after the reload is reported: wait for both to have exited.
      while (stdout.split('\n').filter((line) => line.includes('"event":"worker.exited"')).length < 2 * (version - 1)) await changed();
      assert.equal(json(await request(port, '/')).pid > 0, true);
    }
    const exited = new Promise<number | null>((resolve) => portico.on('close', resolve));
    portico.kill('SIGTERM');
    assert.equal(await exited, 0);
    const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; event?: string; exit?: { kind: string } });
    const exits = lines.filter((line) => line.event === 'worker.exited');
    assert.equal(exits.length, 8, 'two workers of each of four versions exited');
    assert.deepEqual(new Set(exits.map((line) => line.level)), new Set([30]));
    const warnings = lines.filter((line) => line.level >= 40);
    assert.deepEqual(warnings, [], 'a healthy session logged warnings');
  });

  it('still warns when a worker exits unasked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-output-'));
    const file = join(dir, 'portico.json');
    await writeFile(
      file,
      JSON.stringify({
        listen: [{ port: 0, host: '127.0.0.1' }],
        apps: [{ name: 'shop', processPath: process.execPath, arguments: [echoBackend], start: 'eager', processesPerApplication: 1, environmentVariables: { EXIT_AFTER_MS: '300' } }],
      }),
    );
    const portico = spawn(process.execPath, [launcher, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    portico.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    while (!stdout.includes('"event":"worker.exited"')) await new Promise((resolve) => portico.stdout.once('data', resolve));
    const exited = new Promise<number | null>((resolve) => portico.on('close', resolve));
    portico.kill('SIGTERM');
    assert.equal(await exited, 0);
    const crash = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; event?: string; exit?: { kind: string } }).find((line) => line.event === 'worker.exited')!;
    assert.equal(crash.exit?.kind, 'crashed');
    assert.equal(crash.level, 40);
  });
});
