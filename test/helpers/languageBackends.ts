import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { rawRequest, type HttpReply, type RequestTarget } from '@portico/test-support';

/** The repository root, and where the per-language integrations live. */
export const root = fileURLToPath(new URL('../../', import.meta.url));
export const integrations = join(root, 'integrations');

const run = promisify(execFile);

/**
 * Debian's interpreters and servers, which .ci/run installs. A test for a server that is missing
 * skips with the reason, never passes silently.
 */
export const programs = {
  python: '/usr/bin/python3',
  gunicorn: '/usr/bin/gunicorn',
  go: '/usr/bin/go',
  ruby: '/usr/bin/ruby',
  puma: '/usr/bin/puma',
  php: '/usr/bin/php',
} as const;

/** Why a server cannot run here, or undefined when it can. */
export async function missing(need: { programs?: readonly (keyof typeof programs)[]; pythonModules?: readonly string[] }): Promise<string | undefined> {
  for (const name of need.programs ?? []) {
    if (!existsSync(programs[name])) return `${programs[name]} is not installed (.ci/run installs it with apt-get)`;
  }
  if (need.pythonModules?.length) {
    try {
      await run(programs.python, ['-c', need.pythonModules.map((m) => `import ${m}`).join('; ')]);
    } catch {
      return `the Python modules ${need.pythonModules.join(', ')} are not installed for ${programs.python} (.ci/run installs python3-flask, python3-uvicorn, python3-starlette)`;
    }
  }
  return undefined;
}

/** Builds a Go program of integrations/go into dir, with a private build cache. */
export async function buildGo(dir: string, packagePath: string, output: string): Promise<string> {
  const binary = join(dir, output);
  await run(programs.go, ['build', '-o', binary, packagePath], {
    cwd: join(integrations, 'go'),
    env: { ...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath'), GOFLAGS: '', GO111MODULE: 'on', GOTOOLCHAIN: 'local' },
  });
  return binary;
}

export interface LanguageBackend {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once text has appeared on stdout or stderr; rejects if the process exits first. */
  outputIncludes(text: string | RegExp): Promise<void>;
}

const running = new Set<LanguageBackend>();

/**
 * Starts a backend directly, as Portico would but without it: a clean environment plus env, and
 * optionally a listening socket as fd 3 (LISTEN_FDS=1, LISTEN_PID set to the backend's pid).
 */
export function startLanguageBackend(command: readonly string[], env: Record<string, string>, listenFd?: Server): LanguageBackend {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(PORTICO_|ASPNETCORE_|LISTEN_|NODE_OPTIONS$)|^PORT$/.test(name)) clean[name] = value;
  }
  Object.assign(clean, env);
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe'];
  let file = command[0]!;
  let args = command.slice(1);
  if (listenFd) {
    stdio.push((listenFd as unknown as { _handle: { fd: number } })._handle.fd);
    clean['LISTEN_FDS'] = '1';
    // LISTEN_PID must be the backend's own pid: sh sets it, then exec keeps the pid and fd 3.
    args = ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', file, ...args];
    file = 'sh';
  }
  const child = spawn(file, args, { cwd: root, env: clean, stdio, detached: true });
  const backend: LanguageBackend = {
    child,
    output: '',
    exited: once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null })),
    outputIncludes: (text) =>
      new Promise((resolve, reject) => {
        const found = () => (typeof text === 'string' ? backend.output.includes(text) : text.test(backend.output));
        const onOutput = () => {
          if (!found()) return;
          child.off('exit', onExit);
          child.off('output', onOutput);
          resolve();
        };
        const onExit = () => {
          child.off('output', onOutput);
          reject(new Error(`the backend exited before printing ${String(text)}; output:\n${backend.output}`));
        };
        child.on('output', onOutput);
        child.once('exit', onExit);
        onOutput();
      }),
  };
  const collect = (chunk: Buffer) => {
    backend.output += chunk.toString();
    child.emit('output');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  running.add(backend);
  void backend.exited.then(() => running.delete(backend));
  return backend;
}

/** Kills every backend still running (their process groups): call from after hooks. */
export async function stopLanguageBackends(): Promise<void> {
  await Promise.all(
    [...running].map((backend) => {
      try {
        process.kill(-backend.child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      return backend.exited;
    }),
  );
}

export async function privateDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** One request with raw header pairs (duplicates and latin1 byte strings allowed). */
export function send(target: RequestTarget, path: string, headers: readonly (readonly [string, string])[] = []): Promise<HttpReply> {
  return rawRequest(target, { path, headers });
}
