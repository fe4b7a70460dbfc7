import { Type } from '@sinclair/typebox';
import { AuthSchema } from './AuthSchema.ts';
import { Defaulted, Derived, ResolvesTo, type Resolved } from './Resolved.ts';
import { StdoutLogSchema } from './StdoutLogSchema.ts';

const seconds = (minimum: number, maximum: number, description: string, exclusive = false) =>
  Type.Number({ ...(exclusive ? { exclusiveMinimum: minimum } : { minimum }), maximum, description });

export const MatchSchema = Type.Object(
  {
    host: Defaulted(
      Type.String({
        pattern: '^(\\*|(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])$',
        'x-portico-allowed': 'a host name, "*.suffix" or "*"',
        description: 'The request\'s host, without port: an exact name (`shop.example.com`), `*.example.com` for any subdomain, or `*` for any host. Compared case-insensitively.',
      }),
      '*',
    ),
    path: Defaulted(
      Type.String({
        pattern: '^/[^?#\\s]*$',
        'x-portico-allowed': 'a path starting with "/", without query, fragment or spaces',
        description:
          'Path prefix the app is mounted at, matched on whole segments (`/shop` takes `/shop` and `/shop/cart`, not `/shopping`) of the request path with `%XX` of unreserved characters decoded and `%2F` read as `/`, as backends read them (`/%73hop%2Fcart` is `/shop/cart`), so an encoded path cannot reach another app than the one its backend serves. Passed to the backend as `PORTICO_APPL_PATH`.',
      }),
      '/',
    ),
  },
  { additionalProperties: false, default: {}, description: 'Which requests go to this app. The most specific match wins: exact host over `*.suffix` over `*`, then the longest path.' },
);

export const ReadinessSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('tcp') }, { additionalProperties: false, description: 'A TCP connect succeeds on the backend\'s own socket.' }),
    Type.Object(
      { kind: Type.Literal('http'), path: Type.String({ pattern: '^/', 'x-portico-allowed': 'a path starting with "/"', description: 'Path answered with 2xx once the backend is ready.' }) },
      { additionalProperties: false, description: '`GET path` with the pairing token answers 2xx.' },
    ),
    Type.Object({ kind: Type.Literal('notify') }, { additionalProperties: false, description: 'The backend says so: `process.send("ready")` or `READY=1` on `PORTICO_NOTIFY_FD`.' }),
  ],
  { default: { kind: 'tcp' }, description: 'When a started backend counts as ready (docs/worker.md).' },
);

export const LivenessSchema = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('http'),
        path: Type.String({ pattern: '^/', 'x-portico-allowed': 'a path starting with "/"', description: 'Path pinged with `GET` and the pairing token; a 2xx is an answer.' }),
        pingInterval: Defaulted(seconds(0, 3600, 'Seconds from one ping to the next (IIS\'s `processModel@pingInterval`, 30 s; Kubernetes\' `periodSeconds`, 10 s).', true), 30),
        pingResponseTime: Defaulted(
          seconds(0, 3600, 'Seconds a ping may take before it counts as failed (IIS\'s `pingResponseTime`, 90 s for the whole wait; Kubernetes\' `timeoutSeconds`, 1 s).', true),
          10,
        ),
        failureThreshold: Defaulted(
          Type.Integer({ minimum: 1, maximum: 100, description: 'Failed pings in a row that replace the worker (Kubernetes\' `failureThreshold`, 3). With the defaults a hung worker is replaced after about 90 s, IIS\'s figure.' }),
          3,
        ),
      },
      { additionalProperties: false, description: 'Ping the backend over HTTP, as IIS pings its workers and Kubernetes runs a liveness probe.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('watchdog'),
        watchdogSec: seconds(0, 3600, 'The backend sends `WATCHDOG=1` (a line on `PORTICO_NOTIFY_FD`, or `process.send("watchdog")`) at least this often, in seconds; it gets the figure in `WATCHDOG_USEC`, as under systemd\'s `WatchdogSec=`.', true),
      },
      { additionalProperties: false, description: 'The backend sends keep-alives, as systemd\'s watchdog asks. Needs readiness `{ kind: "notify" }`.' },
    ),
  ],
  {
    description:
      'Once ready, how a hung backend (alive, listening, never answering) is found: a new worker starts in its slot, the hung one leaves routing at once, and is sent SIGTERM and killed after `shutdownTimeLimit`; requests in flight to it end by the retry rule. Counted like a crash towards `rapidFailsPerMinute`. Off when absent (docs/worker.md, "Liveness").',
  },
);

export const BackoffSchema = Type.Object(
  {
    min: Defaulted(seconds(0, 3600, 'Seconds before the first restart after a failure.'), 0.1),
    max: Defaulted(seconds(0, 3600, 'The delay never grows past this many seconds; at least `min`.'), 5),
    factor: Defaulted(Type.Number({ minimum: 1, maximum: 10, description: 'Each consecutive failure multiplies the delay by this.' }), 2),
    jitter: Defaulted(Type.Number({ minimum: 0, maximum: 1, description: 'Up to this fraction of random extra delay, so many apps do not restart in step.' }), 0.2),
    resetAfter: Defaulted(seconds(0, 86400, 'A backend that stays up this many seconds has its failure count reset.'), 30),
  },
  { additionalProperties: false, default: {}, description: 'Delay between restarts, growing with consecutive failures.' },
);

export const RetryFailedSchema = Type.Object(
  {
    min: Defaulted(seconds(0.1, 86400, 'Seconds a failed app is held down before it is started again.'), 60),
    max: Defaulted(seconds(0.1, 86400, 'The hold doubles for each failure that follows a retry within this many seconds, up to this; at least `min`.'), 600),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'When an app that passed `rapidFailsPerMinute` (it is `failed`) is started again, by itself, whether it is eager or lazy (docs/worker.md).',
  },
);

export const RestartSchema = Type.Object(
  { backoff: Defaulted(BackoffSchema, {}), retryFailed: Defaulted(RetryFailedSchema, {}) },
  { additionalProperties: false, default: {}, description: 'How a crashed backend is restarted. How many restarts are allowed is `rapidFailsPerMinute`.' },
);

export const RecyclingSchema = Type.Object(
  {
    requests: Defaulted(
      Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Requests one worker process answers before it is recycled (that worker alone); `0`: never. IIS: `periodicRestart@requests` (0); Passenger: `passenger_max_requests` (0); gunicorn: `max_requests` (0).' }),
      0,
    ),
    memory: Defaulted(
      Type.Number({
        minimum: 0,
        maximum: 1048576,
        description:
          'Resident memory, in MiB, of one worker\'s process tree (the sum shown by `portico status`) above which that worker is recycled, once it stays above for `memorySamples` samples in a row; `0`: never. Read every `sampleInterval` (not on macOS). IIS: `periodicRestart@privateMemory` (KB, 0); Passenger Enterprise: `passenger_memory_limit` (MB); PM2: `max_memory_restart`, main process only. Passed again by the replacement within a minute of its memory recycle, it is restarted in its slot instead, which counts towards `rapidFailsPerMinute` (docs/worker.md).',
      }),
      0,
    ),
    memorySamples: Defaulted(
      Type.Integer({ minimum: 1, maximum: 100, description: 'Samples in a row the memory must stay above `memory` before a recycle, so one spike does not recycle (PM2 recycles on one reading: its users asked, Unitech/pm2 #3333).' }),
      3,
    ),
    time: Defaulted(
      seconds(0, 31536000, 'Seconds after the app\'s workers start when every one is recycled, and every as many seconds after; `0`: never. IIS: `periodicRestart@time` (29 hours by default there; off here, as in Passenger and PM2).'),
      0,
    ),
    schedule: Defaulted(
      Type.Array(
        Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', 'x-portico-allowed': 'a time of day, "HH:MM" from 00:00 to 23:59' }),
        { description: 'Times of day, in the server\'s local time, when every worker of the app is recycled. IIS: `periodicRestart/schedule/add@value`; PM2: `cron_restart`.' },
      ),
      [],
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'When the app\'s workers are replaced although nothing is wrong with them (IIS\'s `<recycling><periodicRestart>`). Workers are replaced one at a time, as a rolling restart does: a new worker starts beside the others, takes requests once it is ready, and only then does the old one leave routing and drain, so no request fails, the ready workers never fall below their count and at most one process more runs (docs/worker.md). `app.recycling` names the reason, `worker.recycled` each replacement.',
  },
);

export const QueueSchema = Type.Object(
  {
    maxWaiting: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: 100000,
        description: 'Requests that may wait for a ready backend (while it starts or restarts); the next one gets 503. `0` answers 503 at once. A request whose client leaves (its connection or HTTP/2 stream closes) gives its place back at once. With `fronts` above 1 each front process has its own queue: N fronts may hold N times this many.',
      }),
      1000,
    ),
    timeout: Derived(seconds(0, 3600, 'Seconds a request waits for a ready backend before 503.', true), 'the app\'s `startupTimeLimit`'),
  },
  { additionalProperties: false, default: {}, description: 'Requests waiting for a backend to become ready.' },
);

/** `arguments` as a list, or one string split the way the ASP.NET Core Module's command line is. */
const ArgumentsSchema = ResolvesTo<readonly string[]>()(
  Type.Union([Type.Array(Type.String()), Type.String()], {
    description:
      'Arguments after `processPath`: a list (`["server.js", "--port", "0"]`), or one string split like ANCM\'s command line: at spaces, `"…"` groups, `\\"` is a quote. `${PORT}`, `${PORTICO_SOCKET}` and `${PORTICO_APPL_PATH}` are filled in at each start (see "The port in the arguments").',
  }),
);

/** One backend application: ANCM's `<aspNetCore>` attributes and Portico's additions. */
export const AppSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
      'x-portico-allowed': 'up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      description: 'Unique name, used in logs, socket names and the status API: letters, digits, `.`, `_`, `-`, at most 64.',
    }),
    match: Defaulted(MatchSchema, {}),
    processPath: Type.String({
      minLength: 1,
      'x-portico-path': 'command',
      description:
        'Program to run. With a `/` (or `\\`) it is a path, resolved against the config file\'s folder; without, it is looked up in `PATH` (`node`, `dotnet`).',
    }),
    arguments: Defaulted(ArgumentsSchema, []),
    workingDirectory: Derived(
      Type.String({ minLength: 1, description: 'Folder the backend runs in, resolved against the config file\'s folder. It must exist.', 'x-portico-path': 'directory' }),
      'the config file\'s folder',
    ),
    environmentVariables: Defaulted(
      Type.Record(Type.String({ pattern: '^[^=\\u0000]+$' }), Type.String({ pattern: '^[^\\u0000]*$', 'x-portico-allowed': 'a string without NUL' }), {
        description: 'Variables added to Portico\'s own environment for the backend. The contract variables (`PORT`, `PORTICO_TOKEN`…) cannot be overridden.',
      }),
      {},
    ),
    processesPerApplication: Defaulted(
      Type.Integer({ minimum: 1, maximum: 100, description: 'Backend processes of this app, balanced by load. With `maxProcesses` above it, the floor of an elastic pool (Passenger: `passenger_min_instances`, 1; Unit: `processes.spare`).' }),
      1,
    ),
    maxProcesses: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description:
          'Above `processesPerApplication`, the app is elastic: when every ready worker has `busyRequests` in flight, another starts, up to this many; workers above `processesPerApplication` are retired once the app has not needed them for `processIdleTime` (`app.scaled_up`, `app.scaled_down`). `0`: a fixed count of `processesPerApplication`. IIS: `processModel@maxProcesses` (1, a fixed web garden there); Passenger: `passenger_max_instances` / `passenger_max_pool_size` (6); Unit: `processes.max`; PM2 and gunicorn: a fixed count (`instances`, `workers`). At least `processesPerApplication`.',
      }),
      0,
    ),
    processIdleTime: Defaulted(
      seconds(0.1, 86400, 'Elastic apps (`maxProcesses`): seconds the app must have had a worker more than it needed (fewer than `busyRequests` per worker on one worker fewer) before that worker is retired, one at a time, down to `processesPerApplication`. Passenger: `passenger_pool_idle_time`, 300 s; Unit: `processes.idle_timeout`, 15 s. Portico takes Passenger\'s 300 s.'),
      300,
    ),
    busyRequests: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        description:
          'Elastic apps (`maxProcesses`): requests in flight at which a worker counts as busy. 1 as in Passenger and Unit (a process with one request is busy), right for a backend that serves one request at a time; raise it for one that serves many at once (Node, asyncio).',
      }),
      1,
    ),
    startupTimeLimit: Defaulted(
      seconds(0, 3600, 'Seconds a backend has to become ready before it is killed. ANCM\'s range is 0–3600, but `0` would fail every start, so it is refused.', true),
      120,
    ),
    shutdownTimeLimit: Defaulted(seconds(0, 600, 'Seconds a stopping backend has to finish its requests and exit before its process group is killed.'), 10),
    rapidFailsPerMinute: Defaulted(
      Type.Integer({ minimum: 0, maximum: 100, description: 'Restarts allowed within 60 s; past that the app is failed: it answers with its startup-failure page until it is started again on the schedule of `restart.retryFailed`.' }),
      10,
    ),
    requestTimeout: Defaulted(
      seconds(0, 1296000, 'Seconds the backend may go without progress: to the response head (then 504), and between two reads of the response body (then the client connection is cut). ANCM allows up to 360 hours; `0` is refused.', true),
      120,
    ),
    stdoutLogEnabled: Defaulted(Type.Boolean({ description: 'Write the backend\'s stdout and stderr to files.' }), false),
    stdoutLogFile: Derived(
      Type.String({ minLength: 1, 'x-portico-path': 'prefix', description: 'File prefix: files are `<prefix>_<yyyyMMddHHmmss>_<pid>.log`. Relative to the config file\'s folder.' }),
      '`logs/<name>` in the config file\'s folder',
    ),
    stdoutLog: Defaulted(StdoutLogSchema, {}),
    disableStartUpErrorPage: Defaulted(
      Type.Boolean({ description: 'When the backend cannot start, answer a bare 502 instead of the startup-failure page, so an outer proxy\'s error pages apply.' }),
      false,
    ),
    listenMode: Defaulted(
      Type.Union([Type.Literal('tcp'), Type.Literal('unix'), Type.Literal('socket-activation')], {
        description: 'How the backend listens: a port in `PORT`, a unix socket in `PORTICO_SOCKET`, or a socket Portico binds and passes as fd 3.',
      }),
      'tcp',
    ),
    readiness: Defaulted(ReadinessSchema, { kind: 'tcp' }),
    liveness: Type.Optional(LivenessSchema),
    restart: Defaulted(RestartSchema, {}),
    watchedFiles: Defaulted(
      Type.Array(Type.String({ minLength: 1 }), {
        maxItems: 100,
        description:
          'Files or folders (with everything below them), relative to `workingDirectory`, whose change restarts the app the way `portico restart` does: its workers are replaced one at a time, each new one ready before its old one stops taking requests, so no request fails (iisnode\'s `watchedFiles`, PM2\'s `watch`). Changes are acted on after half a second of quiet; changes below `node_modules` or `.git` are ignored unless a path names them. A file is watched by its name in its folder, so every save counts, one that replaces it by a rename (an editor\'s atomic save) included.',
      }),
      [],
    ),
    user: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The account the backend runs as, a name or a uid, as IIS runs each application pool under its own identity and systemd\'s `User=`. Portico may run as root to bind ports 80 and 443 and runs each app as its own unprivileged account; only root can switch. Without it the backend runs as Portico\'s user: as root, Portico then logs `worker.runs_as_root` at each start of the app (docs/worker.md, "Identity"). `"root"` says so on purpose. Not with `listenMode: "unix"`.',
      }),
    ),
    group: Type.Optional(
      Type.String({ minLength: 1, description: 'The group the backend runs as, a name or a gid; default the `user`\'s primary group (systemd\'s `Group=`). Needs `user`.' }),
    ),
    memoryMax: Type.Optional(
      ResolvesTo<number>()(
        Type.Union([Type.Integer({ minimum: 4096 }), Type.String({ pattern: '^[0-9]+[KMGT]$', 'x-portico-allowed': 'a number with K, M, G or T (1024-based)' })], {
          description:
            'Memory the worker\'s whole process tree may use: bytes, or a number with `K`, `M`, `G`, `T` (1024-based), as systemd\'s `MemoryMax=`. Written to the worker\'s cgroup `memory.max`: past it the kernel\'s OOM killer acts inside the worker\'s tree only. Needs the cgroup v2 `memory` controller (docs/worker.md); without it Portico logs `worker.limits_unavailable`.',
        }),
      ),
    ),
    cpuQuota: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 100000,
        description: 'CPU time the worker\'s whole process tree may use, in percent of one CPU (`150`: one and a half), as systemd\'s `CPUQuota=`. Written to `cpu.max` over 100 ms periods. Needs the cgroup v2 `cpu` controller.',
      }),
    ),
    tasksMax: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4194304,
        description: 'Processes and threads the worker\'s whole tree may hold, as systemd\'s `TasksMax=`; a fork past it fails. Written to `pids.max`. Needs the cgroup v2 `pids` controller.',
      }),
    ),
    recycling: Defaulted(RecyclingSchema, {}),
    idleTimeout: Derived(
      seconds(
        0,
        31536000,
        'Seconds without a request after which the app\'s workers are drained and stopped; the app is `idle` again (status says so) and its next request starts it as the first one did. `0`: never. IIS: `processModel@idleTimeout`, 20 minutes; Passenger: `passenger_pool_idle_time`, 5 minutes. Portico takes IIS\'s 20 minutes for lazy apps; an eager app (`start: "eager"`) is kept running unless it sets `idleTimeout` itself, and then also starts again on its next request.',
      ),
      '`1200` (20 minutes) for a lazy app, `0` (never) for an eager one',
    ),
    start: Defaulted(
      Type.Union([Type.Literal('lazy'), Type.Literal('eager')], { description: '`lazy` starts the backend on its first request (as ANCM); `eager` when Portico starts.' }),
      'lazy',
    ),
    auth: Type.Optional(AuthSchema),
    compat: Type.Optional(
      Type.Literal('aspnetcore', {
        description: 'Also speak the ASP.NET Core Module\'s contract: `ASPNETCORE_PORT`/`_TOKEN`/`_APPL_PATH`, the `MS-ASPNETCORE-TOKEN` header, and shutdown by request.',
      }),
    ),
    allowTrace: Defaulted(
      Type.Boolean({
        description: 'Forward `TRACE` to the backend. Off, Portico answers `TRACE` (and always `TRACK`) with 405: a backend that echoes the request would show the client the pairing token and identity headers.',
      }),
      false,
    ),
    trustRequestId: Defaulted(
      Type.Boolean({ description: 'Keep a well-formed inbound `x-request-id` (one line of 1 to 128 characters from `A-Z a-z 0-9 . _ ~ : + / = @ -`) instead of replacing it. Only when a trusted proxy sits in front.' }),
      false,
    ),
    stripPrefix: Defaulted(
      Type.Boolean({
        description: 'Take `match.path` off the front of the request path before forwarding (`/asgi/items` reaches the backend as `/items`) and send it in `x-forwarded-prefix`, as Traefik\'s StripPrefix does. `PORTICO_APPL_PATH` still holds it, for apps that want the full path (ASP.NET Core\'s `UsePathBase`).',
      }),
      false,
    ),
    forwardAuthToken: Defaulted(
      Type.Boolean({ description: 'For an app with `auth`: let the client\'s `Authorization` header reach the backend. Off, a backend behind Portico\'s authentication never sees a password or bearer token. An app without `auth` checks its own clients and always gets the header.' }),
      false,
    ),
    queue: Defaulted(QueueSchema, {}),
    detailedErrors: Defaulted(
      Type.Boolean({ description: 'Show the exit code and the tail of stderr on the startup-failure page. For development: it can reveal secrets.' }),
      false,
    ),
  },
  { additionalProperties: false },
);

export type MatchConfig = Resolved<typeof MatchSchema>;
export type ReadinessConfig = Resolved<typeof ReadinessSchema>;
export type LivenessConfig = Resolved<typeof LivenessSchema>;
export type BackoffConfig = Resolved<typeof BackoffSchema>;
export type QueueConfig = Resolved<typeof QueueSchema>;
export type RecyclingConfig = Resolved<typeof RecyclingSchema>;
export type AppConfig = Resolved<typeof AppSchema>;
