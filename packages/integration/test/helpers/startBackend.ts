import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const running = new Set<Backend>();

export interface StartOptions {
  /** Added to a clean environment: no Portico, ASP.NET Core or systemd variables inherited. */
  readonly env?: Record<string, string>;
  /** The fixture file in test/fixtures; backend.ts by default. */
  readonly fixture?: string;
  /** A command other than node + tsx (the Python example). */
  readonly command?: readonly string[];
  /** A listening server passed as fd 3, with LISTEN_FDS=1 and LISTEN_PID set to the child's pid. */
  readonly listenFd?: Server;
  /** A pipe as fd 3 for PORTICO_NOTIFY_FD. */
  readonly notifyPipe?: boolean;
  /** Give the child an IPC channel (default true). */
  readonly ipc?: boolean;
}

export interface Backend {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly messages: unknown[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout JSON line whose event matches. */
  event(name: string): Promise<Record<string, unknown>>;
  /** Resolves once `text` has appeared on stderr. */
  stderrIncludes(text: string): Promise<void>;
  /** Resolves with what the notify pipe carried once it holds a full line. */
  notifyLine(): Promise<string>;
}

export function startBackend(options: StartOptions = {}): Backend {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(PORTICO_|ASPNETCORE_|LISTEN_|FIXTURE_)|^PORT$/.test(name)) continue;
    env[name] = value;
  }
  Object.assign(env, options.env);
  const command = options.command ?? [process.execPath, '--import', 'tsx', '--conditions=portico-source', fixtures + (options.fixture ?? 'backend.ts')];
  const stdio: StdioOptions = ['pipe', 'pipe', 'pipe'];
  // The listening socket's own descriptor, duplicated into the child as fd 3.
  if (options.listenFd) stdio.push((options.listenFd as unknown as { _handle: { fd: number } })._handle.fd);
  else if (options.notifyPipe) stdio.push('pipe');
  if (options.ipc !== false) stdio.push('ipc');
  let file = command[0] as string;
  let args = command.slice(1);
  if (options.listenFd) {
    // LISTEN_PID must be the backend's own pid, known only once it runs: sh sets it, then
    // exec keeps the pid (and fd 3) for the real command.
    env['LISTEN_FDS'] = '1';
    args = ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', file, ...args];
    file = 'sh';
  }
  const child = spawn(file, args, { cwd: root, env, stdio });
  const backend: Backend = {
    child,
    stdout: '',
    stderr: '',
    messages: [],
    exited: once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null })),
    event: (name) => waitFor(() => findEvent(backend.stdout, name), child, () => backend.stdout + backend.stderr),
    stderrIncludes: (text) => waitFor(() => (backend.stderr.includes(text) ? true : undefined), child, () => backend.stderr).then(() => undefined),
    notifyLine: () => {
      const pipe = child.stdio[3];
      if (!pipe) throw new Error('start the backend with notifyPipe: true');
      let text = '';
      return new Promise((resolve, reject) => {
        pipe.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes('\n')) resolve(text);
        });
        child.once('exit', () => reject(new Error(`backend exited before a notify line; stderr:\n${backend.stderr}`)));
      });
    },
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    backend.stdout += chunk.toString();
    child.emit('portico:output');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    backend.stderr += chunk.toString();
    child.emit('portico:output');
  });
  child.on('message', (message) => backend.messages.push(message));
  running.add(backend);
  void backend.exited.then(() => running.delete(backend));
  return backend;
}

function findEvent(stdout: string, name: string): Record<string, unknown> | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed['event'] === name) return parsed;
  }
  return undefined;
}

function waitFor<T>(check: () => T | undefined, child: ChildProcess, output: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onOutput = () => {
      const found = check();
      if (found === undefined) return;
      cleanup();
      resolve(found);
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`backend exited first; output:\n${output()}`));
    };
    const cleanup = () => {
      child.off('portico:output', onOutput);
      child.off('exit', onExit);
    };
    child.on('portico:output', onOutput);
    child.once('exit', onExit);
    onOutput();
  });
}

/** Resolves with the first IPC message, which the backend sends once it listens. */
export function ipcReady(backend: Backend): Promise<unknown> {
  if (backend.messages.length > 0) return Promise.resolve(backend.messages[0]);
  return once(backend.child, 'message').then(([message]) => message);
}

/** Kills every backend still running: call from after/afterEach. */
export async function stopAllBackends(): Promise<void> {
  await Promise.all(
    [...running].map((backend) => {
      backend.child.kill('SIGKILL');
      return backend.exited;
    }),
  );
}
