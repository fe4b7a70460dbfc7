import { createOutputCapture, type OutputCapture, type OutputCaptureEvent } from '@portico/log-sink';
import { clockOf } from '@portico/supervisor';
import { nanoid } from 'nanoid';
import { fromCallback } from 'xstate';
import type { Endpoint, ProcessHandle } from '../ProcessHost.ts';
import { expandSpawnArguments } from '../spawnArguments.ts';
import { workerEnvironment } from '../workerEnvironment.ts';
import type { WorkerOptions } from '../WorkerOptions.ts';

/** What the process actor tells the worker machine. */
export type ProcessReport =
  | { type: 'process.spawned'; pid: number; endpoint: Endpoint; token: string; capture: OutputCapture; at: number }
  | { type: 'process.notified' }
  /** A watchdog keep-alive from the backend. */
  | { type: 'process.watchdog' }
  /** The process is gone: sent the moment it exits, before its output is on disk (`process.exited`). */
  | { type: 'process.gone' }
  | { type: 'process.exited'; code: number | null; signal: string | null; spawnError?: string; stderrTail: string; at: number }
  | { type: 'process.output_event'; event: OutputCaptureEvent };

/** What the worker machine tells the process actor. */
export type ProcessCommand = { type: 'process.signal'; signal: 'SIGTERM' | 'SIGKILL' } | { type: 'process.request_shutdown' };

/**
 * How the process ends when its actor stops unasked for: killed at once (the default: no backend
 * outlives its actor), or, once `release` is called (a hung worker is replaced), asked to stop
 * and killed only after `graceMs`, while a new worker already starts in its slot. `released`
 * collects those stops so the pool's own stop can wait for them.
 */
export class ProcessEnding {
  graceMs: number | undefined;
  readonly released: Set<Promise<void>> | undefined;

  constructor(released?: Set<Promise<void>>) {
    this.released = released;
  }

  release(graceMs: number): void {
    this.graceMs = graceMs;
  }
}

export interface ProcessInput {
  readonly options: WorkerOptions;
  readonly ending: ProcessEnding;
}

/**
 * One spawn of the backend: picks where it listens, starts it with a fresh pairing token, pipes
 * its output into the capture, and reports its exit twice: `process.gone` at once, so the worker
 * leaves routing, and `process.exited` only after every byte is on disk. Stopping
 * this actor (the worker leaving its live state, or being stopped outright) kills the process
 * group if it is still there: no backend outlives its actor.
 */
export const processActor = fromCallback<ProcessCommand, ProcessInput, ProcessReport>(({ input: { options: input, ending }, sendBack: send, receive, system }) => {
  const clock = clockOf(system);
  const host = input.host;
  let detached = false;
  let onReleasedExit: (() => void) | undefined;
  // Once released, nothing is reported to the worker: its actor is gone.
  const sendBack = (report: ProcessReport) => {
    if (!detached) send(report);
  };
  let handle: ProcessHandle | undefined;
  let exited = false;
  let endpoint: Endpoint | undefined;
  let token = '';
  let pendingSignal: 'SIGTERM' | 'SIGKILL' | undefined;

  const start = async () => {
    endpoint = await resolveEndpoint(input);
    token = nanoid(32);
    const env = workerEnvironment(input, endpoint, token);
    let capture: OutputCapture | undefined;
    const readiness = input.readiness ?? { kind: 'tcp' };
    handle = host.spawn(
      {
        command: input.processPath,
        args: expandSpawnArguments(input.arguments ?? [], env),
        cwd: input.workingDirectory ?? process.cwd(),
        env,
        ...(input.listenSocket ? { listenSocket: input.listenSocket } : {}),
        notify: readiness.kind === 'notify',
        name: input.app,
        ...(input.account ? { uid: input.account.uid, gid: input.account.gid } : {}),
        ...(input.limits ? { limits: input.limits } : {}),
      },
      {
        onNotify: () => sendBack({ type: 'process.notified' }),
        onWatchdog: () => sendBack({ type: 'process.watchdog' }),
        onExit: ({ code, signal, error, at = clock.now() }) => {
          exited = true;
          if (detached) {
            void Promise.resolve(capture?.close()).catch(() => undefined).then(() => onReleasedExit?.());
            return;
          }
          // Routing must stop now, not once the output is synced to disk (issue 15).
          sendBack({ type: 'process.gone' });
          const reportExit = () => {
            const exit = { type: 'process.exited', code, signal, stderrTail: capture?.stderrTail() ?? '', at } as const;
            sendBack(error ? { ...exit, spawnError: error.message } : exit);
          };
          // The exit is reported whatever closing the capture does: a close that fails (the
          // capture reports its own write errors) must not leave the worker waiting for ever.
          void Promise.resolve(capture?.close()).catch(() => undefined).then(reportExit);
        },
      },
    );
    if (exited) return;
    const output = input.output;
    capture = createOutputCapture({
      enabled: output?.stdoutLogEnabled ?? false,
      ...(output?.stdoutLogEnabled ? { file: output.stdoutLogFile } : {}),
      pid: handle.pid,
      ...(output?.maxFileBytes !== undefined ? { maxFileBytes: output.maxFileBytes } : {}),
      ...(output?.maxFiles !== undefined ? { maxFiles: output.maxFiles } : {}),
      ...(output?.timestamps !== undefined ? { timestamps: output.timestamps } : {}),
      ...(output?.tailBytes !== undefined ? { tailBytes: output.tailBytes } : {}),
      ...(output?.retention !== undefined ? { retention: output.retention } : {}),
      ...(output?.onLines !== undefined ? { onLines: output.onLines.bind(undefined, handle.pid) } : {}),
      onEvent: (event) => sendBack({ type: 'process.output_event', event }),
    });
    handle.stdout.pipe(capture.stdout);
    handle.stderr.pipe(capture.stderr);
    sendBack({ type: 'process.spawned', pid: handle.pid, endpoint, token, capture, at: clock.now() });
    if (pendingSignal) handle.signal(pendingSignal);
  };

  start().catch((error: unknown) => {
    exited = true;
    sendBack({ type: 'process.exited', code: null, signal: null, spawnError: (error as Error).message, stderrTail: '', at: clock.now() });
  });

  receive((command) => {
    if (command.type === 'process.signal') {
      if (handle) handle.signal(command.signal);
      else pendingSignal = command.signal;
      return;
    }
    if (endpoint && !exited) {
      const path = `${(input.applPath ?? '/').replace(/\/$/, '')}/iisintegration`;
      void host.requestShutdown(endpoint, path, { 'MS-ASPNETCORE-TOKEN': token, 'MS-ASPNETCORE-EVENT': 'shutdown' });
    }
  });

  return () => {
    if (exited) return;
    const graceMs = ending.graceMs;
    if (graceMs === undefined || !handle) {
      if (handle) handle.signal('SIGKILL');
      else pendingSignal = 'SIGKILL';
      return;
    }
    // Released: asked to stop now, killed at the grace's end, its output still captured to the end.
    detached = true;
    const stopped = new Promise<void>((resolve) => (onReleasedExit = resolve));
    const released = handle;
    const kill = clock.setTimeout(() => released.signal('SIGKILL'), graceMs);
    const done = stopped.then(() => {
      clock.clearTimeout(kill);
      ending.released?.delete(done);
    });
    ending.released?.add(done);
    released.signal('SIGTERM');
  };
});

async function resolveEndpoint(options: WorkerOptions): Promise<Endpoint> {
  if (options.listenSocket) return options.listenSocket.endpoint;
  if (options.listenMode === 'unix') return { kind: 'unix', path: await options.host.allocateSocketPath(options.app) };
  return { kind: 'tcp', host: '127.0.0.1', port: await options.host.allocatePort() };
}
