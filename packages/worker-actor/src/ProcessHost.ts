import type { Readable } from 'node:stream';
import type { ProcessUsage } from './ProcessUsage.ts';

/** Where a backend listens: a TCP port on loopback, or a unix socket path. */
export type Endpoint = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** What to start. `env` is complete: the host adds nothing of its own. */
export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Socket activation: a listening socket the host passes as fd 3, with `LISTEN_FDS=1` and the child's own `LISTEN_PID`. */
  readonly listenSocket?: ListenSocket;
  /** Open the readiness channels: an IPC channel (`process.send('ready')`) and a notify pipe (`READY=1`). */
  readonly notify: boolean;
  /** Limits on the whole process tree, applied where the host puts it in a cgroup with those controllers. */
  readonly limits?: ResourceLimits;
  /** Run as this uid and gid (the host must be root to switch). */
  readonly uid?: number;
  readonly gid?: number;
  /** A name for the process's cgroup (the worker's id). */
  readonly name?: string;
}

/**
 * Limits on a worker's whole process tree, as systemd names them: `memoryMax` (bytes,
 * `memory.max`), `cpuQuota` (percent of one CPU, `cpu.max`), `tasksMax` (`pids.max`).
 */
export interface ResourceLimits {
  readonly memoryMax?: number;
  readonly cpuQuota?: number;
  readonly tasksMax?: number;
}

/**
 * How a host keeps a worker's process tree together: a cgroup v2 per worker (everything the
 * backend starts stays in it, and it is ended as one, with `cgroup.kill` where the kernel has it),
 * or, where Portico cannot create cgroups, the process group (a backend's child that calls
 * setsid escapes it), with why.
 */
export type ProcessIsolation =
  | {
      readonly kind: 'cgroup';
      readonly path: string;
      readonly controllers: readonly string[];
      readonly kill: 'cgroup.kill' | 'cgroup.procs';
      /** Why some of the memory, cpu and pids controllers are not in `controllers`; absent when all are. */
      readonly why?: string;
    }
  | { readonly kind: 'process-group'; readonly why: string };

/** A socket Portico bound for a backend (socket activation). It outlives the backend's restarts. */
export interface ListenSocket {
  readonly endpoint: Endpoint;
  /** The file descriptor to hand to the child. */
  readonly fd: number;
  close(): Promise<void>;
}

/** How the host reports on a process it started. */
export interface ProcessEvents {
  /** The backend said it is ready (IPC `'ready'` or a `READY=1` line on the notify pipe). */
  onNotify(): void;
  /** A watchdog keep-alive (IPC `'watchdog'` or a `WATCHDOG=1` line on the notify pipe): the backend is not hung. */
  onWatchdog?(): void;
  /**
   * The process has exited and its stdout and stderr have been read to the end. `error` is set
   * when it never started (e.g. the command does not exist). `at` is when the process exited, by
   * the clock the worker's actor system runs on, if that was earlier than this call (output held
   * open, a cgroup slow to empty): the exit is dated then.
   */
  onExit(exit: { code: number | null; signal: string | null; error?: Error; at?: number }): void;
}

/** A started process. Signals go to its whole cgroup or process group (`isolation()`), so nothing it spawned survives. */
export interface ProcessHandle {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  signal(signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): void;
}

/** One readiness attempt: is the backend answering yet? */
export type Probe =
  | { readonly kind: 'tcp' }
  | { readonly kind: 'http'; readonly path: string; readonly headers: Readonly<Record<string, string>> };

/** What one liveness ping found: a 2xx, or why not (`timed out after 2000 ms`, `answered 500`, `ECONNREFUSED`). */
export type PingAnswer = { readonly ok: true } | { readonly ok: false; readonly why: string };

/**
 * Everything a worker does to the operating system, injected so that tests can run on a
 * simulated one (`@portico/testkit`). The real one is `createNodeProcessHost()`.
 */
export interface ProcessHost {
  spawn(spec: ProcessSpec, events: ProcessEvents): ProcessHandle;
  /** A port that is free on 127.0.0.1 now (another process may still take it before the backend binds it). */
  allocatePort(): Promise<number>;
  /** A fresh unix socket path in a directory only this user can enter. */
  allocateSocketPath(name: string): Promise<string>;
  /** Binds a listening socket at `endpoint` (port 0 picks a free port) for socket activation. */
  bindListenSocket(endpoint: Endpoint): Promise<ListenSocket>;
  /**
   * One readiness attempt for the process `pid`; resolves false rather than rejecting when the
   * backend is not there yet, or when what answers is not the backend's. Once `signal` is aborted
   * (the worker stopped waiting for it) the attempt gives up what it still had to read, and
   * resolves false.
   */
  probe(endpoint: Endpoint, probe: Probe, pid: number, signal?: AbortSignal): Promise<boolean>;
  /** One liveness ping: `GET path` with `headers`, a 2xx within `timeoutMs` or not. Never rejects. */
  ping(endpoint: Endpoint, path: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<PingAnswer>;
  /** The ASP.NET Core shutdown request: `POST {path}` with the given headers; resolves when answered or failed. */
  requestShutdown(endpoint: Endpoint, path: string, headers: Readonly<Record<string, string>>): Promise<void>;
  /**
   * What the process `pid` and every process below it cost now (CPU, resident memory, open file
   * descriptors); `undefined` once it is gone. Absent where the system cannot tell: the real host
   * reads `/proc`, which macOS does not have. Called for each worker at every sample
   * (`sampleInterval`), so it must be cheap and must not throw.
   */
  usage?(pid: number): ProcessUsage | undefined;
  /** How this host keeps each worker's process tree together (decided at the first call, then fixed). */
  isolation?(): ProcessIsolation;
  /** Releases what the host holds for its processes (helpers, folders) once none is left. */
  close?(): Promise<void>;
}
