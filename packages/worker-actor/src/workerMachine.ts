import type { OutputCapture, OutputCaptureEvent } from '@portico/log-sink';
import { clockOf, type Clock } from '@portico/supervisor';
import { assign, emit, enqueueActions, sendTo, setup, type ActorRefFrom, type SnapshotFrom } from 'xstate';
import { livenessCheck, type LivenessInput, type LivenessReport } from './internal/livenessCheck.ts';
import { ProcessEnding, processActor, type ProcessReport } from './internal/processActor.ts';
import { readinessProbe, type ProbeInput } from './internal/readinessProbe.ts';
import type { Endpoint } from './ProcessHost.ts';
import { workerExitError, type WorkerExit, type WorkerExitKind } from './WorkerExit.ts';
import { validateWorkerOptions, workerDefaults, type WorkerOptions } from './WorkerOptions.ts';

/** Requests in flight to one worker, counted by the router on the data path. */
export interface WorkerLoad {
  inFlight: number;
  /** WebSocket tunnels open to it: they hold a draining worker too, up to shutdownTimeLimit. */
  tunnels?: number;
  /** Requests answered by this slot's processes so far, counted by the router as each ends. */
  served?: number;
  /**
   * The pid of the slot's process once that process has answered a request, set by the router
   * (docs/proxy.md, failed starts): a process that never answered and closes a connection
   * unanswered failed to start. On the box, not in a map by worker: a restarted slot's box is the
   * same, its new process's pid is not, and nothing is kept per process ever run.
   */
  answeredPid?: number;
  /**
   * Front processes that may still have requests or tunnels on it (docs/architecture.md, One
   * control process, several fronts): each gives its hold back once the worker has left its
   * ready list and its last request on it ended. A draining worker waits for them too.
   */
  holds?: number;
  /** When `served` reaches this, the router calls `onRecycleAt` (the pool's `recycling.requests`). */
  recycleAt?: number;
  onRecycleAt?: () => void;
  /**
   * The most requests in flight at once since whoever keeps it last took it (`takePeak`): the
   * router raises it as a request takes the worker; an elastic pool's demand.
   */
  peak?: number;
  /** When a request takes `inFlight` up to this, the router calls `onBusy` (an elastic pool's `busyRequests`). */
  busyAt?: number;
  onBusy?: () => void;
}

export interface WorkerInput {
  readonly options: WorkerOptions;
  /** Shared with the router; a draining worker stops once it reaches 0. */
  readonly load?: WorkerLoad;
  /** Where a replaced hung process's stop is tracked while it runs on after the actor (the pool waits for them). */
  readonly released?: Set<Promise<void>>;
}

export interface WorkerContext {
  readonly options: WorkerOptions;
  readonly load: WorkerLoad;
  readonly clock: Clock;
  readonly pid: number | undefined;
  readonly endpoint: Endpoint | undefined;
  /** This process's pairing token; the router sends it on every request. */
  readonly token: string | undefined;
  readonly capture: OutputCapture | undefined;
  readonly spawnedAt: number;
  /** `load.served` when this process started: what it has served since is the difference. */
  readonly servedAtSpawn: number;
  readonly readyAt: number | undefined;
  readonly portRetries: number;
  readonly shutdownDeadline: number | undefined;
  readonly killed: boolean;
  readonly exit: WorkerExit | undefined;
  /** The process ended unasked: the machine ends with a crash output. */
  readonly failed: boolean;
  /** How the process ends if the actor stops first: killed, or (a hung worker replaced) stopped within shutdownTimeLimit. */
  readonly ending: ProcessEnding;
}

/**
 * How a worker actor ends: `{ exit: 'shutdown' }` when it was stopped, `{ exit: 'crash', error }`
 * when the process ended unasked (`error.exit` is the `WorkerExit`). Supervisors read both, and
 * `exitedAt` (the process's exit, which the worker reports only once its output is on disk), so
 * they date the exit when it happened.
 */
export type WorkerOutput = (
  | { readonly exit: 'shutdown'; readonly worker: WorkerExit | undefined }
  /** Stopped, but only by SIGKILL at shutdownTimeLimit: `reason` says so (the supervisor's `child_stopped`, how `killed`). */
  | { readonly exit: 'shutdown'; readonly killed: true; readonly reason: string; readonly worker: WorkerExit }
  | { readonly exit: 'crash'; readonly error: Error & { exit: WorkerExit }; readonly worker: WorkerExit }
) & { readonly exitedAt?: number };

export type WorkerEvent =
  | ProcessReport
  | LivenessReport
  | { type: 'probe.ready' }
  /** Stop: drain (no new requests; wait for in-flight ones), then stop the process, all within shutdownTimeLimit. */
  | { type: 'portico.shutdown' }
  /** The router saw in-flight requests reach 0 on a draining worker. */
  | { type: 'worker.idle' }
  /** The router's connect to this worker was refused: take it out of routing and probe it again. */
  | { type: 'worker.unreachable' };

/** What a worker emits (`actor.on(type, …)`), named as in the event catalogue (`docs/events.md`). */
export type WorkerEmitted =
  | { type: 'worker.spawned'; pid: number; endpoint: Endpoint }
  | { type: 'worker.ready'; pid: number; endpoint: Endpoint; startupMs: number }
  | { type: 'worker.port_in_use_retry'; pid: number | undefined; attempt: number }
  | { type: 'worker.startup_timeout'; pid: number | undefined; startupTimeLimit: number }
  | { type: 'worker.shutdown_sent'; pid: number | undefined; method: 'SIGTERM' | 'aspnetcore-request'; shutdownTimeLimit: number }
  | { type: 'worker.graceful_shutdown_failed'; pid: number | undefined; shutdownTimeLimit: number }
  | { type: 'worker.unresponsive'; pid: number | undefined; reason: string; shutdownTimeLimit: number }
  | { type: 'worker.exited'; exit: WorkerExit }
  | { type: 'output.event'; event: OutputCaptureEvent };

/** A start that failed on EADDRINUSE is retried on another port this many times, not counted as a crash. */
const maxPortRetries = 3;
const portInUse = /EADDRINUSE|address already in use/i;

type Exited = ProcessReport & { type: 'process.exited' };

function exitFrom(context: WorkerContext, event: Exited, kind: WorkerExitKind): WorkerExit {
  return {
    kind,
    pid: context.pid,
    code: event.code,
    signal: event.signal,
    // Whole milliseconds: the monotonic clock's fraction says nothing to a reader of the log.
    uptimeMs: context.pid === undefined ? 0 : Math.round(event.at - context.spawnedAt),
    ...(context.pid === undefined ? {} : { exitedAt: event.at }),
    stderrTail: event.stderrTail,
    killed: context.killed,
    ...(event.spawnError ? { spawnError: event.spawnError } : {}),
  };
}

const shutdownTimeLimit = (context: WorkerContext) => context.options.shutdownTimeLimit ?? workerDefaults.shutdownTimeLimit;
const startupTimeLimit = (context: WorkerContext) => context.options.startupTimeLimit ?? workerDefaults.startupTimeLimit;
const readinessKind = (context: WorkerContext) => (context.options.readiness ?? workerDefaults.readiness).kind;

/** The readiness probe for this process; a backend that signals readiness itself is probed over TCP when asked again. */
function probeInput(context: WorkerContext): ProbeInput {
  const readiness = context.options.readiness ?? workerDefaults.readiness;
  const headers = tokenHeaders(context);
  return {
    host: context.options.host,
    endpoint: context.endpoint!,
    pid: context.pid!,
    probe: readiness.kind === 'http' ? { kind: 'http', path: readiness.path, headers } : { kind: 'tcp' },
  };
}

/** The liveness check of a ready worker; without `liveness` in the options it does nothing. */
function livenessInput(context: WorkerContext): LivenessInput {
  return {
    host: context.options.host,
    endpoint: context.endpoint!,
    ...(context.options.liveness ? { liveness: context.options.liveness } : {}),
    headers: tokenHeaders(context),
  };
}

function tokenHeaders(context: WorkerContext): Record<string, string> {
  const headers: Record<string, string> = { 'x-portico-token': context.token! };
  if (context.options.compat === 'aspnetcore') headers['ms-aspnetcore-token'] = context.token!;
  return headers;
}

const workerSetup = setup({
  types: {
    input: {} as WorkerInput,
    context: {} as WorkerContext,
    events: {} as WorkerEvent,
    emitted: {} as WorkerEmitted,
    output: {} as WorkerOutput,
  },
  actors: { process: processActor, probe: readinessProbe, liveness: livenessCheck },
  delays: {
    startupTimeLimit: ({ context }) => startupTimeLimit(context) * 1000,
    shutdownRemaining: ({ context }) => Math.max(0, (context.shutdownDeadline ?? 0) - context.clock.now()),
  },
  guards: {
    usesNotify: ({ context }) => readinessKind(context) === 'notify',
    portInUse: ({ context, event }) =>
      (context.options.listenMode ?? 'tcp') === 'tcp' &&
      context.portRetries < maxPortRetries &&
      portInUse.test((event as Exited).stderrTail),
    idle: ({ context }) => context.load.inFlight <= 0 && !((context.load.tunnels ?? 0) > 0) && !((context.load.holds ?? 0) > 0),
  },
  actions: {
    recordSpawn: assign(({ context, event }) => {
      const spawned = event as ProcessReport & { type: 'process.spawned' };
      return { pid: spawned.pid, endpoint: spawned.endpoint, token: spawned.token, capture: spawned.capture, spawnedAt: spawned.at, servedAtSpawn: context.load.served ?? 0 };
    }),
    // Listed after recordSpawn, so it sees the pid and endpoint just recorded.
    emitSpawned: emit(({ context }: { context: WorkerContext }) => ({ type: 'worker.spawned' as const, pid: context.pid!, endpoint: context.endpoint! })),
    startDeadline: assign(({ context }) => ({
      shutdownDeadline: context.shutdownDeadline ?? context.clock.now() + shutdownTimeLimit(context) * 1000,
    })),
    recordExit: enqueueActions(({ context, event, enqueue }, params: { kind: WorkerExitKind }) => {
      const exit = exitFrom(context, event as Exited, params.kind);
      enqueue.assign({ exit });
      enqueue.emit({ type: 'worker.exited', exit });
    }),
    markFailed: assign({ failed: true }),
  },
});

/**
 * One backend process as an xstate machine: spawn it where it should listen with a fresh pairing
 * token, wait until it is ready, serve, drain and stop it gracefully, and classify how it ended.
 * A crash ends the actor with `{ exit: 'crash', error }` (the error's `exit` says what happened),
 * so a supervisor applies its restart policy; a requested stop ends it with `{ exit: 'shutdown' }`.
 *
 * States: `live.starting.{spawning,probing,awaitingNotify}` → `live.ready` → `live.draining` →
 * `live.stopping` (→ `live.killing` after `shutdownTimeLimit`) → `stopped`; `live.timingOut` when
 * `startupTimeLimit` passes; `failed` on any unasked exit. A ready worker whose process died goes
 * to `live.lost` until its exit is on disk, and one whose connect was refused to `live.reprobing`;
 * neither is routable. See `docs/worker.md`.
 *
 * @example
 * const worker = createActor(workerMachine, { input: { options: { app: 'shop', processPath: 'node',
 *   arguments: ['server.js'], host: createNodeProcessHost() } } }).start();
 */
export const workerMachine = workerSetup.createMachine({
  id: 'worker',
  context: ({ input, self }) => {
    validateWorkerOptions(input.options);
    return {
      options: input.options,
      load: input.load ?? { inFlight: 0 },
      clock: clockOf(self.system),
      pid: undefined,
      endpoint: undefined,
      token: undefined,
      capture: undefined,
      spawnedAt: 0,
      servedAtSpawn: 0,
      readyAt: undefined,
      portRetries: 0,
      shutdownDeadline: undefined,
      killed: false,
      exit: undefined,
      failed: false,
      ending: new ProcessEnding(input.released),
    };
  },
  initial: 'live',
  states: {
    live: {
      invoke: { id: 'process', src: 'process', input: ({ context }) => ({ options: context.options, ending: context.ending }) },
      on: {
        'process.output_event': {
          actions: workerSetup.emit(({ event }) => ({ type: 'output.event', event: (event as ProcessReport & { type: 'process.output_event' }).event })),
        },
      },
      initial: 'starting',
      states: {
        starting: {
          after: { startupTimeLimit: 'timingOut' },
          on: {
            'portico.shutdown': 'stopping',
            'process.exited': [
              {
                guard: 'portInUse',
                target: '#worker.live',
                reenter: true,
                actions: [
                  assign({ portRetries: ({ context }) => context.portRetries + 1 }),
                  workerSetup.emit(({ context }) => ({ type: 'worker.port_in_use_retry', pid: context.pid, attempt: context.portRetries })),
                ],
              },
              { target: '#worker.failed', actions: { type: 'recordExit', params: { kind: 'failed_to_start' } } },
            ],
          },
          initial: 'spawning',
          states: {
            spawning: {
              on: {
                'process.spawned': [
                  { guard: 'usesNotify', target: 'awaitingNotify', actions: ['recordSpawn', 'emitSpawned'] },
                  { target: 'probing', actions: ['recordSpawn', 'emitSpawned'] },
                ],
                'process.notified': {},
              },
            },
            probing: {
              invoke: { src: 'probe', input: ({ context }) => probeInput(context) },
              on: { 'probe.ready': '#worker.live.ready' },
            },
            awaitingNotify: {
              on: { 'process.notified': '#worker.live.ready' },
            },
          },
        },
        ready: {
          entry: [
            assign({ readyAt: ({ context }) => context.clock.now() }),
            workerSetup.emit(({ context }) => ({
              type: 'worker.ready',
              pid: context.pid!,
              endpoint: context.endpoint!,
              startupMs: context.clock.now() - context.spawnedAt,
            })),
          ],
          invoke: { id: 'liveness', src: 'liveness', input: ({ context }) => livenessInput(context) },
          on: {
            'portico.shutdown': 'draining',
            'process.gone': 'lost',
            'worker.unreachable': 'reprobing',
            'process.watchdog': { actions: sendTo('liveness', { type: 'watchdog' }) },
            'liveness.failed': 'unresponsive',
            'process.exited': { target: '#worker.failed', actions: { type: 'recordExit', params: { kind: 'crashed' } } },
          },
        },
        // Alive but not answering: out of routing now; the actor ends at once so the supervisor
        // starts a new worker in this slot, while the hung process is asked to stop and is
        // killed after shutdownTimeLimit (issue 18, liveness). Requests in flight to it end when
        // it does, and the forwarder's retry rule sends those that got no byte to the new one.
        unresponsive: {
          entry: [
            ({ context }) => context.ending.release(shutdownTimeLimit(context) * 1000),
            enqueueActions(({ context, event, enqueue }) => {
              const reason = (event as LivenessReport).reason;
              const exit: WorkerExit = {
                kind: 'unresponsive',
                pid: context.pid,
                code: null,
                signal: null,
                uptimeMs: Math.round(context.clock.now() - context.spawnedAt),
                exitedAt: context.clock.now(),
                stderrTail: context.capture?.stderrTail() ?? '',
                killed: false,
                reason,
              };
              enqueue.assign({ exit });
              enqueue.emit({ type: 'worker.unresponsive', pid: context.pid, reason, shutdownTimeLimit: shutdownTimeLimit(context) });
            }),
          ],
          always: '#worker.failed',
        },
        // The process died; its exit is reported once its output is on disk. Out of routing meanwhile.
        lost: {
          on: {
            'process.exited': { target: '#worker.failed', actions: { type: 'recordExit', params: { kind: 'crashed' } } },
          },
        },
        // A connect was refused while the process lives (it closed its listener, or is dying):
        // out of routing until the readiness probe passes again, within startupTimeLimit.
        reprobing: {
          after: { startupTimeLimit: 'timingOut' },
          invoke: { src: 'probe', input: ({ context }) => probeInput(context) },
          on: {
            'probe.ready': 'ready',
            'portico.shutdown': 'stopping',
            'process.gone': 'lost',
            'process.exited': { target: '#worker.failed', actions: { type: 'recordExit', params: { kind: 'crashed' } } },
          },
        },
        draining: {
          entry: 'startDeadline',
          always: { guard: 'idle', target: 'stopping' },
          after: { shutdownRemaining: 'killing' },
          on: {
            'worker.idle': { guard: 'idle', target: 'stopping' },
            'process.exited': { target: '#worker.stopped', actions: { type: 'recordExit', params: { kind: 'crashed' } } },
          },
        },
        stopping: {
          entry: [
            'startDeadline',
            enqueueActions(({ context, enqueue }) => {
              const aspnetcore = context.options.compat === 'aspnetcore' && context.endpoint !== undefined;
              enqueue.sendTo('process', aspnetcore ? { type: 'process.request_shutdown' } : { type: 'process.signal', signal: 'SIGTERM' });
              enqueue.emit({
                type: 'worker.shutdown_sent',
                pid: context.pid,
                method: aspnetcore ? 'aspnetcore-request' : 'SIGTERM',
                shutdownTimeLimit: shutdownTimeLimit(context),
              });
            }),
          ],
          after: { shutdownRemaining: 'killing' },
          on: {
            'process.exited': { target: '#worker.stopped', actions: { type: 'recordExit', params: { kind: 'stopped' } } },
          },
        },
        killing: {
          entry: [
            assign({ killed: true }),
            sendTo('process', { type: 'process.signal', signal: 'SIGKILL' }),
            workerSetup.emit(({ context }) => ({
              type: 'worker.graceful_shutdown_failed',
              pid: context.pid,
              shutdownTimeLimit: shutdownTimeLimit(context),
            })),
          ],
          on: {
            'process.exited': { target: '#worker.stopped', actions: { type: 'recordExit', params: { kind: 'stopped' } } },
          },
        },
        timingOut: {
          entry: [
            sendTo('process', { type: 'process.signal', signal: 'SIGKILL' }),
            workerSetup.emit(({ context }) => ({ type: 'worker.startup_timeout', pid: context.pid, startupTimeLimit: startupTimeLimit(context) })),
          ],
          on: {
            'process.exited': { target: '#worker.failed', actions: { type: 'recordExit', params: { kind: 'timed_out' } } },
          },
        },
      },
    },
    stopped: { type: 'final' },
    // A crash ends the machine cleanly rather than by throwing: a thrown error would drop the
    // events emitted in the same step (worker.exited) and leave invoked actors (the probe) running.
    failed: { type: 'final', entry: 'markFailed' },
  },
  output: ({ context }): WorkerOutput => {
    const exitedAt = context.exit?.exitedAt === undefined ? {} : { exitedAt: context.exit.exitedAt };
    return context.failed
      ? { exit: 'crash', error: workerExitError(context.exit!, startupTimeLimit(context), readinessKind(context)), worker: context.exit!, ...exitedAt }
      : context.exit?.killed
        ? { exit: 'shutdown', killed: true, reason: killedReason(context), worker: context.exit, ...exitedAt }
        : { exit: 'shutdown', worker: context.exit, ...exitedAt };
  },
});

/** Why a stop ended in SIGKILL, for the supervisor's `child_stopped` (how `killed`). */
function killedReason(context: WorkerContext): string {
  const asked = context.options.compat === 'aspnetcore' && context.endpoint !== undefined ? "the ASP.NET Core Module's shutdown request" : 'SIGTERM';
  return `the backend did not exit within shutdownTimeLimit (${shutdownTimeLimit(context)} s) of ${asked}; its process group was killed with SIGKILL`;
}

export type WorkerActorRef = ActorRefFrom<typeof workerMachine>;
export type WorkerSnapshot = SnapshotFrom<typeof workerMachine>;
