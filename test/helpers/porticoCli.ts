import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const launcher = fileURLToPath(new URL('../../packages/portico/bin/portico.js', import.meta.url));
export const chattyBackend = fileURLToPath(new URL('../fixtures/chatty-backend.mjs', import.meta.url));

/** A `portico start` running in its own process, once it has said where it serves. */
export interface RunningCommand {
  readonly child: ChildProcess;
  /** The port of the first address it printed (`serving http://127.0.0.1:PORT/`). */
  readonly port: number;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once its stdout holds `count` matches of `pattern` (default 1), with the last. */
  waitForStdout(pattern: RegExp, count?: number): Promise<RegExpExecArray>;
  /** SIGTERM, and the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/** A `portico start -c FILE` of the repository's launcher, on a config this helper wrote. */
export interface RunningCli extends RunningCommand {
  readonly dir: string;
  readonly file: string;
}

const running = new Set<RunningCommand>();

/**
 * Runs `command args` (a `portico start`: the repository's launcher under node, or an installed
 * bin) and resolves once it prints where it serves; rejects, with its stderr, if it exits first.
 */
export async function startPorticoCommand(command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): Promise<RunningCommand> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const found = /serving https?:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (found) resolve(Number(found[1]));
    });
    void exited.then((code) => reject(new Error(`portico exited with ${code}: ${err}`)));
  });
  const started: RunningCommand = {
    child,
    port,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: (pattern, count = 1) =>
      new Promise((resolve, reject) => {
        const all = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
        const check = () => {
          const matches = [...out.matchAll(all)];
          const found = matches.length >= count ? (matches[count - 1] as RegExpExecArray) : undefined;
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null) {
            waiters.delete(check);
            reject(new Error(`portico exited before its stdout matched ${pattern}: ${out}\n${err}`));
          }
        };
        waiters.add(check);
        void exited.then(check);
        check();
      }),
    stop: async () => {
      running.delete(started);
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  running.add(started);
  return started;
}

/** Writes `config` (listen on 127.0.0.1:0 unless given) to a new temporary folder and runs `portico start` on it. */
export async function startPorticoCli(config: Record<string, unknown>, dir?: string): Promise<RunningCli> {
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'portico-cli-')));
  const file = join(folder, 'portico.json');
  await writeFile(file, JSON.stringify({ listen: [{ port: 0, host: '127.0.0.1' }], ...config }));
  return { ...(await startPorticoCommand(process.execPath, [launcher, 'start', '-c', file], { cwd: folder })), dir: folder, file };
}

/** Stops every `portico start` still running: for `afterEach`. */
export async function stopAllPorticoClis(): Promise<void> {
  await Promise.all([...running].map((cli) => cli.stop()));
}
