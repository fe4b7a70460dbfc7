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
  /** The process is gone: sent the moment it exits, before its output is on disk (`process.exited`). */
  | { type: 'process.gone' }
  | { type: 'process.exited'; code: number | null; signal: string | null; spawnError?: string; stderrTail: string; at: number }
  | { type: 'process.output_event'; event: OutputCaptureEvent };

/** What the worker machine tells the process actor. */
export type ProcessCommand = { type: 'process.signal'; signal: 'SIGTERM' | 'SIGKILL' } | { type: 'process.request_shutdown' };

/**
 * One spawn of the backend: picks where it listens, starts it with a fresh pairing token, pipes
 * its output into the capture, and reports its exit twice: `process.gone` at once, so the worker
 * leaves routing, and `process.exited` only after every byte is on disk. Stopping
 * this actor (the worker leaving its live state, or being stopped outright) kills the process
 * group if it is still there: no backend outlives its actor.
 */
export const processActor = fromCallback<ProcessCommand, WorkerOptions, ProcessReport>(({ input, sendBack, receive, system }) => {
  const clock = clockOf(system);
  const host = input.host;
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
      },
      {
        onNotify: () => sendBack({ type: 'process.notified' }),
        onExit: ({ code, signal, error }) => {
          exited = true;
          // Routing must stop now, not once the output is synced to disk (issue 15).
          sendBack({ type: 'process.gone' });
          const reportExit = () => {
            const exit = { type: 'process.exited', code, signal, stderrTail: capture?.stderrTail() ?? '', at: clock.now() } as const;
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
    if (!exited) {
      if (handle) handle.signal('SIGKILL');
      else pendingSignal = 'SIGKILL';
    }
  };
});

async function resolveEndpoint(options: WorkerOptions): Promise<Endpoint> {
  if (options.listenSocket) return options.listenSocket.endpoint;
  if (options.listenMode === 'unix') return { kind: 'unix', path: await options.host.allocateSocketPath(options.app) };
  return { kind: 'tcp', host: '127.0.0.1', port: await options.host.allocatePort() };
}
