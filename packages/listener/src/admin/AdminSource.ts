import type { LogWriteFailureCounts } from '@portico/log-sink';

/** Where a worker listens: a TCP port on loopback or a unix socket path. */
export type AdminEndpoint = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** An app's pool state, as `WorkerPool.state`. */
export type AppState = 'idle' | 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped';

/** Every `AppState`, in the order the metrics and the status page list them. */
export const appStates: readonly AppState[] = ['idle', 'starting', 'ready', 'failed', 'stopping', 'stopped'];

/** How a worker's previous process ended (`WorkerExit`, without what the status page does not show). */
export interface WorkerLastExit {
  /** `crashed`, `failed_to_start`, `timed_out` or `stopped`. */
  readonly kind: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly uptimeMs: number;
  /** The end of what the process wrote to stderr. */
  readonly stderrTail: string;
}

/** One worker slot of an app, as `WorkerPool.status()` reports it. */
export interface WorkerStatusView {
  /** Stable across restarts, e.g. `shop#1`. */
  readonly id: string;
  /** The worker's state: `starting`, `ready`, `draining`, `stopping`, `stopped`, `exited`, `backoff`, … */
  readonly state: string;
  readonly pid: number | undefined;
  readonly endpoint: AdminEndpoint | undefined;
  /** Restarts of this slot since the app started. */
  readonly restarts: number;
  /** Requests being served by it now. */
  readonly inFlight: number;
  /** When it became ready, in milliseconds since the Unix epoch. */
  readonly readySince: number | undefined;
  readonly lastExit: WorkerLastExit | undefined;
  /** When its current process started, in milliseconds since the Unix epoch; its uptime is now minus this. */
  readonly startedAt?: number | undefined;
  /** Requests its current process has answered. */
  readonly requests?: number;
  /** What its process tree cost at the last sample (`sampleInterval`); absent before the first sample and where Portico cannot tell (`sampling.available`). */
  readonly resources?: ResourceFigures | undefined;
}

/** CPU, memory and file descriptors of a worker's process tree, or their sums over an app's workers. */
export interface ResourceFigures {
  /** CPU since the previous sample, in percent of one core (200: two cores busy). */
  readonly cpuPercent: number;
  /** User plus system CPU time so far, in seconds. */
  readonly cpuSeconds: number;
  /** Resident memory, in bytes. */
  readonly memoryBytes: number;
  /** Open file descriptors. */
  readonly fds: number;
  /** Processes: the worker's own and every one below it, or every one in its cgroup. */
  readonly processes: number;
  /** A worker's: where each figure was read (its cgroup, or /proc); absent from an app's sums. */
  readonly source?: { readonly processes: 'cgroup' | 'tree'; readonly cpu: 'cgroup' | 'proc'; readonly memory: 'cgroup' | 'proc' };
  /** A worker's: when the sample was taken, in milliseconds since the epoch; absent from an app's sums. */
  readonly sampledAt?: number;
}

/** Whether Portico can read what its workers cost, and how often it does. */
export interface SamplingStatus {
  /** False where the system has no `/proc` (macOS): CPU, memory and file descriptors are not shown; uptime and requests are. */
  readonly available: boolean;
  /** Seconds between samples; 0: off. */
  readonly interval: number;
  /** What is and is not shown, in a sentence, when something is not. */
  readonly note?: string;
}

/** A backend process of the app that ended unasked: its slot, when, and how. */
export interface AppExitView extends WorkerLastExit {
  /** The worker slot, e.g. `shop#1`. */
  readonly worker: string;
  readonly pid: number | undefined;
  /** When it ended, in milliseconds since the Unix epoch. */
  readonly at: number;
}

/** A state the app's pool entered, when, and why (for `failed`). */
export interface AppStateChangeView {
  readonly state: string;
  /** In milliseconds since the Unix epoch. */
  readonly at: number;
  readonly reason?: string;
}

/** One app: its match, its pool state and its workers. */
export interface AppStatus {
  readonly name: string;
  /** The host and path the app is mounted at. */
  readonly match: { readonly host: string; readonly path: string };
  readonly state: AppState;
  /** Started with Portico rather than on its first request; only eager apps decide readiness. */
  readonly eager: boolean;
  readonly workers: readonly WorkerStatusView[];
  /** Its workers' `resources` summed (the workers sampled so far); absent when none is. */
  readonly resources?: ResourceFigures;
  /** Its workers' current processes' `requests`, summed. */
  readonly requests?: number;
  /** Its workers' `inFlight`, summed. */
  readonly inFlight?: number;
  /** Requests waiting for a ready worker. */
  readonly queueDepth: number;
  /** While `failed`: why, e.g. `3 restarts within 60 s passed rapidFailsPerMinute (2); last exit: crashed, code 1`. */
  readonly failure?: string;
  /** While `failed`: when the app starts again by itself, in milliseconds since the Unix epoch. */
  readonly retryAt?: number;
  /** While new workers (a recycle's replacement, an elastic pool's growth) wait after `failures` failed starts in a row: when the next may start, in milliseconds since the Unix epoch. */
  readonly newWorkerWait?: { readonly failures: number; readonly retryAt: number };
  /** The last processes that ended unasked (at most 10), oldest first, kept across restarts, failures and reloads. */
  readonly exits?: readonly AppExitView[];
  /** The pool's last state changes (at most 20), oldest first. */
  readonly history?: readonly AppStateChangeView[];
  /** The app's last rollout (reload or restart), when it failed: the old workers kept serving. */
  readonly rollout?: { readonly state: 'failed'; readonly message: string; readonly at: number };
}

/** Everything `GET /status` answers. */
export interface PorticoStatus {
  /** When this Portico process started, in milliseconds since the Unix epoch. */
  readonly startedAt: number;
  readonly version: string;
  readonly pid: number;
  /** Whether the workers' CPU, memory and file descriptors are read, and how often. */
  readonly sampling?: SamplingStatus;
  /**
   * How each worker's process tree is kept together and ended: a cgroup v2 per worker (`path` is
   * Portico's subtree, `controllers` those whose limits apply, `kill` how a tree is ended, `why`
   * some of memory, cpu and pids are missing), or the process group, with `why` no cgroup could be
   * had (a child that calls setsid escapes it).
   */
  readonly isolation?:
    | { readonly kind: 'cgroup'; readonly path: string; readonly controllers: readonly string[]; readonly kill: 'cgroup.kill' | 'cgroup.procs'; readonly why?: string }
    | { readonly kind: 'process-group'; readonly why: string };
  readonly apps: readonly AppStatus[];
  /** With `fronts` ≥ 2, once Portico runs them: each front process (docs/architecture.md). Absent with one process, and when embedded (`start({ listen: false })`). */
  readonly fronts?: readonly FrontStatusView[];
}

/** One front process: which, its pid while it runs, its actor's state, its restarts, what it serves. */
export interface FrontStatusView {
  /** 1, 2, …: stable across the front's restarts. */
  readonly front: number;
  readonly pid: number | undefined;
  /** `starting`, `serving`, `closing`, or `stopped`. */
  readonly state: string;
  readonly restarts: number;
  /** Client connections open on it, as it last reported (every second, and when a `/status` asks). */
  readonly connections: number;
  /** Messages of it the control refused since Portico started (a count that is not one, a field missing): dropped, its last good report kept. */
  readonly refusedMessages: number;
  /**
   * Asks of `/status` and `/metrics` for its figures that it had not answered within a second
   * since Portico started: each of those gave its last report instead (up to a second old).
   */
  readonly unansweredAsks: number;
}

/** What one worker's process wrote lately, as `GET /logs` answers it. */
export interface WorkerOutputTail {
  /** The worker slot, e.g. `shop#1`. */
  readonly worker: string;
  /** The process the output is from; `undefined` while the slot has none. */
  readonly pid: number | undefined;
  /** The in-memory tail of its stdout and stderr together, in whole lines. */
  readonly tail: string;
}

/** One line an app's process wrote, as `GET /logs/lines` streams it. */
export interface AppOutputLine {
  readonly app: string;
  /** The worker slot, e.g. `shop#1`. */
  readonly worker: string;
  readonly pid: number;
  readonly stream: 'stdout' | 'stderr';
  /** When Portico received it, epoch milliseconds. */
  readonly time: number;
  /** The line, without its newline. */
  readonly line: string;
}

/** The lines the apps' processes write: those kept, and the ones to come. */
export interface AppOutputFeed {
  /** The lines kept, in the order written (of `app`, or of every app); `undefined` for an unknown app. */
  recent(app?: string): readonly AppOutputLine[] | undefined;
  /** Calls `listener` with every line from now on, in the order written. Returns the unsubscribe function. */
  subscribe(listener: (line: AppOutputLine) => void): () => void;
}

/**
 * What the admin endpoint needs of a reload's outcome to answer `POST /reload` (Portico's own
 * `ReloadResult` says more). `failedRollouts`: the config was applied, but these apps' new workers
 * did not start (their old ones serve on).
 */
export type AdminReloadResult = { readonly ok: true } | { readonly ok: false; readonly errors: readonly string[]; readonly failedRollouts?: readonly string[] };

/** An operator's command on one app: `POST /apps/NAME/restart`, `/stop`, `/start`. */
export type AppCommand = 'restart' | 'stop' | 'start';

/**
 * What an app command did; `notFound` when there is no such app. `forced`: the workers a stop had
 * to end by force, each with why (`portico stop APP` says so rather than a plain "stopped").
 */
export type AppCommandResult =
  | { readonly ok: true; readonly app: string; readonly state: string; readonly forced?: readonly { readonly worker: string; readonly reason: string }[] }
  | { readonly ok: false; readonly app: string; readonly notFound?: true; readonly errors: readonly string[] };

/**
 * What the admin server reads and asks of the running Portico. The runtime implements it over
 * its worker pools and router; tests implement it with plain data.
 *
 * `status()` is called for every `/status`, `/metrics` and live push, so it should build the
 * snapshot from views the pools keep current rather than by messaging actors.
 */
export interface AdminSource {
  status(): PorticoStatus;
  /**
   * Brings what `status()` reads up to now before `/status` and `/metrics` answer (Portico with
   * several fronts asks each for its figures, which it otherwise reports every second). Resolves
   * within a bound of the source's and never rejects. Optional: without it `status()` is read as is.
   */
  refresh?(): Promise<void>;
  /** True when every eager app has a ready worker: what `/readyz` answers. */
  ready(): boolean;
  /** Reloads the configuration; resolves with the problems found instead of throwing. */
  reload(): Promise<AdminReloadResult>;
  /** Calls `listener` after any change of an app's or a worker's state, restarts included. Returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /**
   * The output tails of `app`'s workers, for `GET /logs`; `undefined` when there is no such app.
   * Optional: without it `/logs` answers `501`.
   */
  logs?(app: string): readonly WorkerOutputTail[] | undefined;
  /** The apps' output line by line, for `GET /logs/lines`. Optional: without it that path answers `501`. */
  readonly output?: AppOutputFeed;
  /**
   * What Portico's own log could not write (`logWriteFailures` of its logger), for `/metrics`.
   * Optional: without it the series are not served.
   */
  logWriteFailures?(): LogWriteFailureCounts;
  /** Restarts (rolling), stops or starts one app and resolves when done. Optional: without it `/apps/…` answers `501`. */
  appCommand?(app: string, command: AppCommand): Promise<AppCommandResult>;
}
