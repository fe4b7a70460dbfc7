import type { OutputLine, OutputRetention } from '@portico/log-sink';
import type { ListenSocket, ProcessHost, ResourceLimits } from './ProcessHost.ts';
import { InvalidWorkerOptionError } from './errors.ts';
import { validateLiveness, type Liveness } from './Liveness.ts';

/** How a backend listens: a port Portico picks, a unix socket, or a socket Portico binds and passes (fd 3). */
export type ListenMode = 'tcp' | 'unix' | 'socket-activation';

/**
 * When a backend counts as ready: a TCP connect succeeds (default), an HTTP GET of `path` answers
 * 2xx, or the backend says so (`process.send('ready')` or `READY=1` on `PORTICO_NOTIFY_FD`).
 */
export type Readiness = { readonly kind: 'tcp' } | { readonly kind: 'http'; readonly path: string } | { readonly kind: 'notify' };

/** What happens to a backend's stdout and stderr (ANCM's `stdoutLogEnabled`, `stdoutLogFile`). */
export interface OutputOptions {
  readonly stdoutLogEnabled: boolean;
  /** File prefix; files are `<prefix>_<yyyyMMddHHmmss>_<pid>.log`. */
  readonly stdoutLogFile: string;
  readonly maxFileBytes?: number;
  readonly maxFiles?: number;
  readonly timestamps?: boolean;
  readonly tailBytes?: number;
  /** Which files of the prefix stay on disk over all the app's processes (`createOutputCapture`'s `retention`). */
  readonly retention?: OutputRetention;
  /** Told of every line each process writes, with its pid (`createOutputCapture`'s `onLines`). */
  readonly onLines?: (pid: number, lines: readonly OutputLine[]) => void;
}

/** One backend process: what to run and how. Durations are seconds, names follow ANCM. */
export interface WorkerOptions {
  /** The app's name, for socket names and logs. */
  readonly app: string;
  readonly processPath: string;
  readonly arguments?: readonly string[];
  readonly workingDirectory?: string;
  readonly environmentVariables?: Readonly<Record<string, string>>;
  /** Default `tcp`. */
  readonly listenMode?: ListenMode;
  /** Default `{ kind: 'tcp' }`. */
  readonly readiness?: Readiness;
  /** Once ready, how a hung backend is told from a live one and replaced. Default none. */
  readonly liveness?: Liveness;
  /** Who the backend runs as (only root may switch); default Portico's own user. */
  readonly account?: { readonly uid: number; readonly gid: number; readonly name: string };
  /** Limits on the worker's whole process tree, where the host gives it a cgroup with the controllers. */
  readonly limits?: ResourceLimits;
  /** Default 120. */
  readonly startupTimeLimit?: number;
  /** Default 10. */
  readonly shutdownTimeLimit?: number;
  /** The path prefix the app is mounted at; default `/`. */
  readonly applPath?: string;
  /** `aspnetcore`: also the ASPNETCORE_* variables, the MS-ASPNETCORE-TOKEN header and the shutdown request. */
  readonly compat?: 'aspnetcore';
  readonly output?: OutputOptions;
  readonly host: ProcessHost;
  /** Socket activation: the socket the pool bound for this app, handed to every incarnation. */
  readonly listenSocket?: ListenSocket;
  /** The environment the backend inherits before `environmentVariables`; default `process.env`. */
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
}

export const workerDefaults = {
  listenMode: 'tcp' as ListenMode,
  readiness: { kind: 'tcp' } as Readiness,
  startupTimeLimit: 120,
  shutdownTimeLimit: 10,
  applPath: '/',
};

function check(ok: boolean, path: string, problem: string): void {
  if (!ok) throw new InvalidWorkerOptionError(path, problem);
}

/** Throws `InvalidWorkerOptionError` naming the first wrong option. */
export function validateWorkerOptions(options: WorkerOptions): void {
  check(typeof options.app === 'string' && options.app.length > 0, 'app', 'must be a non-empty name');
  check(typeof options.processPath === 'string' && options.processPath.length > 0, 'processPath', 'must name the program to run');
  check(options.arguments === undefined || (Array.isArray(options.arguments) && options.arguments.every((a) => typeof a === 'string')), 'arguments', 'must be an array of strings');
  const env = options.environmentVariables ?? {};
  for (const [name, value] of Object.entries(env)) {
    check(/^[^=\0]+$/.test(name), `environmentVariables.${name}`, 'is not a valid variable name');
    check(typeof value === 'string' && !value.includes('\0'), `environmentVariables.${name}`, 'must be a string without NUL');
  }
  const mode = options.listenMode ?? workerDefaults.listenMode;
  check(['tcp', 'unix', 'socket-activation'].includes(mode), 'listenMode', `must be "tcp", "unix" or "socket-activation", got ${JSON.stringify(mode)}`);
  check(mode !== 'socket-activation' || options.listenSocket !== undefined, 'listenSocket', 'is required with listenMode "socket-activation" (the pool binds it)');
  const readiness = options.readiness ?? workerDefaults.readiness;
  check(['tcp', 'http', 'notify'].includes(readiness.kind), 'readiness.kind', `must be "tcp", "http" or "notify", got ${JSON.stringify(readiness.kind)}`);
  if (readiness.kind === 'http') check(typeof readiness.path === 'string' && readiness.path.startsWith('/'), 'readiness.path', 'must be a path starting with "/"');
  if (options.liveness !== undefined) validateLiveness(options.liveness, readiness.kind);
  const limits = options.limits ?? {};
  check(limits.memoryMax === undefined || (Number.isInteger(limits.memoryMax) && limits.memoryMax >= 4096), 'limits.memoryMax', `must be a whole number of bytes, at least 4096, got ${limits.memoryMax}`);
  check(limits.cpuQuota === undefined || (Number.isFinite(limits.cpuQuota) && limits.cpuQuota >= 1 && limits.cpuQuota <= 100_000), 'limits.cpuQuota', `must be a percentage of one CPU from 1 to 100000, got ${limits.cpuQuota}`);
  check(limits.tasksMax === undefined || (Number.isInteger(limits.tasksMax) && limits.tasksMax >= 1), 'limits.tasksMax', `must be a whole number of at least 1, got ${limits.tasksMax}`);
  const startup = options.startupTimeLimit ?? workerDefaults.startupTimeLimit;
  check(Number.isFinite(startup) && startup > 0 && startup <= 3600, 'startupTimeLimit', `must be seconds in (0, 3600] (ANCM's range), got ${startup}`);
  const shutdown = options.shutdownTimeLimit ?? workerDefaults.shutdownTimeLimit;
  check(Number.isFinite(shutdown) && shutdown >= 0 && shutdown <= 600, 'shutdownTimeLimit', `must be seconds in [0, 600] (ANCM's range), got ${shutdown}`);
  const applPath = options.applPath ?? workerDefaults.applPath;
  check(typeof applPath === 'string' && applPath.startsWith('/'), 'applPath', 'must start with "/"');
  check(options.compat === undefined || options.compat === 'aspnetcore', 'compat', `must be "aspnetcore" when set, got ${JSON.stringify(options.compat)}`);
  check(typeof options.host?.spawn === 'function', 'host', 'must be a ProcessHost (createNodeProcessHost())');
}
