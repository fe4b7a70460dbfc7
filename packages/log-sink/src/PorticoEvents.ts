import { defineEventCatalogue } from './internal/defineEventCatalogue.ts';

/**
 * Every operator-relevant event Portico logs, keyed by its dotted name. Ids are grouped by
 * component and never reused; docs/events.md lists them all (a test keeps the two in step).
 *
 * Ranges: 1000 worker · 1100 supervisor · 1200 output · 1300 proxy · 1400 auth · 1500 config ·
 * 1600 listener and admin. To add an event, add one line in its range here and one row to
 * docs/events.md.
 *
 * @example
 * logEvent(logger, 'worker.ready', { app: 'shop', workerPid: 4242, startupMs: 812 });
 * PorticoEvents['worker.exited'].id; // 1005
 */
export const PorticoEvents = defineEventCatalogue({
  // 1000–1099: one backend process (worker-actor).
  'worker.spawned': { id: 1000, level: 'info', fields: ['app', 'workerPid', 'endpoint'], meaning: 'A backend process was started; it does not receive traffic until it is ready.' },
  'worker.ready': { id: 1001, level: 'info', fields: ['app', 'workerPid', 'endpoint', 'startupMs'], meaning: 'The backend is listening and receives traffic.' },
  'worker.start_failed': { id: 1002, level: 'error', fields: ['app', 'exit'], meaning: 'The backend could not be started: the spawn failed or it exited before it was ready.' },
  'worker.startup_timeout': { id: 1003, level: 'error', fields: ['app', 'workerPid', 'startupTimeLimit'], meaning: 'The backend was not ready within startupTimeLimit seconds and was killed.' },
  'worker.port_in_use_retry': { id: 1004, level: 'warn', fields: ['app', 'workerPid', 'attempt'], meaning: 'The backend could not bind its port (EADDRINUSE); it is started again on another port.' },
  'worker.exited': { id: 1005, level: 'warn', expectedLevel: 'info', fields: ['app', 'exit', 'expected'], meaning: 'The backend process exited; the restart policy decides what happens next. Logged at info when expected (Portico asked it to stop).' },
  'worker.shutdown_sent': { id: 1006, level: 'info', fields: ['app', 'workerPid', 'method', 'shutdownTimeLimit'], meaning: 'The backend was asked to stop (SIGTERM to its process group, or the shutdown request in aspnetcore mode).' },
  'worker.graceful_shutdown_failed': { id: 1007, level: 'warn', fields: ['app', 'workerPid', 'shutdownTimeLimit'], meaning: 'The backend did not exit within shutdownTimeLimit seconds of the stop request; its process group was killed.' },
  'worker.unresponsive': { id: 1030, level: 'error', fields: ['app', 'workerPid', 'reason', 'shutdownTimeLimit'], meaning: 'The backend is alive but failed its liveness check (no answer to its health ping, or no watchdog keep-alive): it left routing, a new worker starts in its place, and it is asked to stop and killed after shutdownTimeLimit.' },
  'worker.limits_unavailable': { id: 1031, level: 'warn', fields: ['app', 'limits', 'why'], meaning: 'The app sets memoryMax, cpuQuota or tasksMax, which this host cannot apply (no cgroup v2 for Portico, or not that controller): its workers run without them.' },
  'worker.runs_as_root': { id: 1032, level: 'warn', fields: ['app'], meaning: 'Portico runs as root and the app names no user, so its backends run as root: name the account in the app\'s user (user: "root" to keep root on purpose).' },
  'worker.memory_limit_again': { id: 1040, level: 'warn', fields: ['app', 'worker', 'workerPid', 'memoryBytes', 'memoryLimit'], meaning: "The worker's process tree passed recycling.memory again within a minute of a memory recycle: rather than recycle again (a loop), the worker is stopped gracefully in its slot and started again, a restart that counts towards rapidFailsPerMinute." },
  'worker.recycled': { id: 1041, level: 'info', fields: ['app', 'worker', 'workerPid', 'replacement', 'replacementPid', 'reason', 'ms'], meaning: 'A worker was replaced, one at a time (a recycle, or a rolling restart: reason restart or watch): its replacement (a new worker, under the lowest free name) is ready and takes requests, and the old one leaves routing, drains and stops within shutdownTimeLimit. ms is from the start of the replacement to its readiness.' },
  'worker.recycle_failed': { id: 1042, level: 'error', fields: ['app', 'worker', 'reason', 'error', 'failures', 'retryIn'], meaning: 'The replacement of a worker did not become ready (an exit before ready, or startupTimeLimit): it was removed again and the old worker goes on serving; a recycle tries again at the next trigger after retryIn seconds (1, doubling to 60, while new workers keep failing), a rolling restart stops there.' },
  'worker.rapid_fail_limit': { id: 1008, level: 'error', fields: ['app', 'failures', 'rapidFailsPerMinute'], meaning: 'The backend failed more than rapidFailsPerMinute times in a minute; the app is failed and is started again by itself on the schedule of restart.retryFailed (60 s, doubling to 600 s while it keeps failing), or at once by portico restart.' },

  // 1100–1199: supervision trees (supervisor).
  'supervisor.child_started': { id: 1100, level: 'info', fields: ['supervisor', 'childId', 'incarnation'], meaning: 'A supervisor started a child, the first time or after a restart.' },
  'supervisor.child_start_failed': { id: 1101, level: 'error', fields: ['supervisor', 'childId', 'error'], meaning: "A child's start failed: a restart that failed counts towards the restart intensity; a start a caller asked for (startChild, restartChild) is refused and changes nothing." },
  'supervisor.child_exited': { id: 1102, level: 'warn', expectedLevel: 'info', fields: ['supervisor', 'childId', 'exit', 'expected', 'uptimeMs'], meaning: 'A child stopped, on its own or when asked; its restart type decides whether it is restarted. Logged at info when expected (it was asked to stop).' },
  'supervisor.child_restarting': { id: 1103, level: 'info', fields: ['supervisor', 'childId', 'group', 'delayMs', 'attempt'], meaning: 'A child, with the siblings its strategy takes along, is started again after the backoff delay.' },
  'supervisor.child_stopped': { id: 1104, level: 'info', fields: ['supervisor', 'childId', 'how', 'reason'], meaning: 'A supervisor stopped a child on purpose: gracefully, by a kill the child made itself (a backend past its shutdownTimeLimit), brutally, or outright after its shutdown time, or it crashed while being stopped (how crashed); reason says why for all but graceful.' },
  'supervisor.gave_up': { id: 1105, level: 'error', fields: ['supervisor', 'childId', 'restarts', 'intensity', 'period'], meaning: 'More than intensity restarts happened within period seconds: the supervisor stopped its children and itself and escalated to its parent.' },
  'supervisor.auto_shutdown': { id: 1106, level: 'warn', fields: ['supervisor', 'childId'], meaning: 'A significant child exited and the autoShutdown setting stopped the supervisor.' },
  'supervisor.command_rejected': { id: 1107, level: 'warn', fields: ['supervisor', 'command', 'error'], meaning: 'A command (start, terminate, restart or delete a child) was refused; the tree is unchanged.' },
  'supervisor.stopped': { id: 1108, level: 'info', fields: ['supervisor', 'reason'], meaning: 'A supervisor ended: asked to shut down, gave up, or auto-shutdown.' },

  // 1200–1299: a backend's captured stdout and stderr (log-sink).
  'output.capture_failed': { id: 1200, level: 'error', fields: ['file', 'code', 'message'], meaning: "A backend's output could not be written to its log file (disk full, unwritable path); from now on its output is dropped and counted (the in-memory tail and lines still get it) and the backend never waits for the disk; writing is tried again at most once a second. Reported once per outage." },
  'output.capture_resumed': { id: 1204, level: 'warn', fields: ['file', 'droppedBytes', 'lostMs'], meaning: "A backend's output is written to its log file again after output.capture_failed; droppedBytes of output, over lostMs, are missing from the file." },
  'output.capture_lost': { id: 1205, level: 'warn', fields: ['file', 'droppedBytes'], meaning: "A backend process ended while its output still could not be written; the last droppedBytes of its output are missing from its file." },
  'output.rotated': { id: 1201, level: 'info', fields: ['file', 'previous', 'deleted'], meaning: "A backend's log file reached maxFileBytes; writing continues in the next file, and the oldest files past maxFiles were deleted." },
  'output.pruned': { id: 1202, level: 'info', fields: ['prefix', 'deleted', 'compressed'], meaning: "Retention (stdoutLog.retain, maxAge, maxTotalBytes, compress) deleted or gzipped old log files of an app's ended processes when a process of it opened a file or ended." },
  'output.prune_failed': { id: 1203, level: 'warn', fields: ['prefix', 'file', 'code', 'message'], meaning: "Retention could not delete or compress an old log file (a read-only folder, a full disk); the files stay, a compression that failed leaves the original, and capture goes on. Tried again when a process of the app next opens a file or ends." },
  // 1300–1399: the data path (router, forwarder).
  'proxy.request_refused': { id: 1300, level: 'info', fields: ['status', 'reason'], meaning: 'A request was refused before reaching a backend (malformed framing, limits, timeouts); the client got the status (an HTTP/2 stream may get a reset instead; status 0: an HTTP/2 connection closed for what its streams did, such as a rapid reset).' },
  'proxy.upstream_failed': { id: 1301, level: 'warn', fields: ['upstream', 'err', 'retried'], meaning: 'A backend connection failed during an exchange; retried says whether the request went to another worker.' },
  'proxy.response_aborted': { id: 1302, level: 'warn', fields: ['reason'], meaning: 'A response could not be completed (backend failed mid-way, client left, timeout); the client connection was cut so the truncation shows.' },
  'proxy.error_page': { id: 1304, level: 'info', fields: ['app', 'status', 'requestId', 'reason'], meaning: "Portico answered a request with its own error page (404, the start-up failure page, 503, 504, 508 for an auth subrequest of its own that came back to it); requestId is the correlation id the page shows." },
  'proxy.internal_error': { id: 1303, level: 'error', fields: ['code', 'err'], meaning: 'A forwarding state machine met an event its rules rule out (a bug in Portico); that client connection was reset and its backend connection dropped, and the process went on. Report it with this line.' },

  // 1500–1599: configuration and the process (portico).
  'config.reloaded': { id: 1500, level: 'info', fields: ['changed', 'settings'], meaning: 'A new config was applied; changed lists the apps started, rolled over or removed, settings the other top-level keys applied (limits).' },
  'config.reload_failed': { id: 1501, level: 'error', fields: ['file', 'problems'], meaning: 'A new config was refused (problems says why: the file\'s problems, a change a reload cannot apply, or Portico stopping); the running one keeps serving.' },
  'portico.started': { id: 1502, level: 'info', fields: ['listen', 'admin', 'apps'], meaning: 'Portico is accepting connections.' },
  'portico.stopping': { id: 1503, level: 'info', fields: ['signal'], meaning: 'Portico stops accepting, lets in-flight requests finish and stops every app; a second signal forces it.' },
  'portico.stopped': { id: 1504, level: 'info', fields: [], meaning: 'Every app is stopped; Portico exits.' },
  'portico.signal_ignored': { id: 1505, level: 'warn', fields: ['signal'], meaning: 'Portico got SIGUSR1 or SIGUSR2, which it has no use for, and serves on: SIGHUP reloads, SIGTERM stops. Node would have opened its inspector (SIGUSR1) or ended Portico without a drain (SIGUSR2).' },
  'portico.stop_forced': { id: 1506, level: 'warn', fields: ['signal'], meaning: 'A second SIGTERM or SIGINT came during the graceful stop: Portico exits at once (exit 1) without waiting for the drain; requests in flight are cut, and the apps\' processes are killed by the orphan guard. A launcher that passes a terminal\'s Ctrl-C on to Portico (pnpm exec) sends two.' },

  // 1600–1699: the admin endpoints (listener).
  'admin.request_failed': { id: 1600, level: 'error', fields: ['path', 'err'], meaning: 'A request to the admin endpoint failed unexpectedly (its handler threw, or the status it reads did): the client got 500 "internal error; see the log" (a live page, no update). A bug: please report it.' },
  'admin.host_refused': { id: 1601, level: 'warn', fields: ['host'], meaning: 'The admin endpoint refused a request for its Host header (403): add the name to admin.allowedHosts if it is yours. Logged once per Host, for the first 64.' },
  'admin.connections_limited': { id: 1602, level: 'warn', fields: ['open', 'unadmitted', 'closed'], meaning: "A connection to the admin endpoint's TCP port was closed to keep its limits (512 open; past 64 waiting for their first admitted request, the oldest that waited a second): a client that holds connections without sending requests, or a flood. Logged at the first and every 1000th; closed counts them, open and unadmitted are the connections now. The unix socket has no such limit." },
  // 1700–1799: apps as a whole: rollouts, operators' commands (portico).
  'app.rolled_out': { id: 1700, level: 'info', fields: ['app', 'reason', 'ms'], meaning: 'New workers of the app are all ready and serve: a reload changed it (the new set is ready and the old one drains), or portico restart or a watched file replaced every worker one at a time.' },
  'app.idle_stopped': { id: 1711, level: 'info', fields: ['app', 'idleTimeout'], meaning: "No request reached the app for idleTimeout seconds: its workers are drained and stopped, and it is idle again; the next request starts it, as the first one did." },
  'app.recycling': { id: 1710, level: 'info', fields: ['app', 'reason', 'detail'], meaning: "A recycling trigger fired (recycling: requests, memory, time or schedule): the worker it names (requests, memory), or every worker (time, schedule), is replaced one at a time, each new one ready before the old one stops taking requests; worker.recycled follows for each." },
  'app.rollout_failed': { id: 1701, level: 'error', fields: ['app', 'reason', 'error', 'oldKeepsServing'], meaning: 'New workers of the app did not start (an exit before ready, or startupTimeLimit); when oldKeepsServing, the old workers go on serving and traffic did not move.' },
  'app.scaled_up': { id: 1730, level: 'info', fields: ['app', 'worker', 'workerPid', 'workers', 'busyRequests'], meaning: 'Every ready worker of an elastic app had busyRequests in flight: one more worker started and is ready (up to maxProcesses); workers is how many the app has now.' },
  'app.scaled_down': { id: 1731, level: 'info', fields: ['app', 'worker', 'workers', 'processIdleTime'], meaning: 'An elastic app had a worker more than it needed for processIdleTime seconds: that worker leaves routing, drains and stops (down to processesPerApplication); workers is how many the app keeps.' },
  'app.scale_failed': { id: 1732, level: 'error', fields: ['app', 'worker', 'error', 'failures', 'retryIn'], meaning: 'The worker an elastic app started because every worker was busy did not become ready (an exit before ready, or startupTimeLimit): it was removed again; the app serves on with the workers it has, and grows again when they are busy again after retryIn seconds (1, doubling to 60, while new workers keep failing).' },
  'app.files_changed': { id: 1720, level: 'info', fields: ['app', 'files'], meaning: "A file the app watches (watchedFiles) changed: its workers are replaced as by portico restart, one at a time, each new one ready before its old one stops taking requests." },
  'app.watch_failed': { id: 1721, level: 'warn', fields: ['app', 'paths'], meaning: 'Paths of the app\'s watchedFiles could not be watched (they do not exist, or cannot be read): their changes will not restart the app.' },
  'app.operator_command': { id: 1702, level: 'info', fields: ['app', 'command'], meaning: 'An operator stopped or started the app (portico stop APP, portico start APP).' },

  // 1800–1899: front processes (portico, with fronts ≥ 2).
  'front.ready': { id: 1800, level: 'info', fields: ['front', 'frontPid'], meaning: 'A front process is listening and serves connections, at start or after a restart.' },
  'front.exited': { id: 1801, level: 'error', fields: ['front', 'frontPid', 'code', 'signal'], meaning: 'A front process exited unasked; the connections it held are lost, the other fronts keep serving, and it is restarted.' },
  'front.gave_up': { id: 1802, level: 'error', fields: ['restarts'], meaning: 'The front processes exited too often (10 restarts within 60 s); they are no longer restarted, and Portico stops: its sockets close, its apps drain, and `portico start` exits 69 for its service manager to start it again.' },
  'front.unresponsive': { id: 1803, level: 'error', fields: ['front', 'frontPid', 'silentMs', 'responseTime'], meaning: 'A front process answered no ping of the control process for longer than frontPing.responseTime once it listens (its event loop is blocked, or it is stopped), or for longer than 30 s (or three response times, if more) while it starts, before it listens: it is killed and restarted; the connections it held are lost, the other fronts keep serving.' },
  'front.start_hung': { id: 1807, level: 'error', fields: ['front', 'frontPid', 'startedMs'], meaning: 'A front process answered the control process\'s pings but had not said it listens 30 s (or three frontPing.responseTime, if more) after its start: its start hung after its event loop was up (its listening sockets or routes never ready). It is killed and restarted as a crash.' },
  'front.stop_hung': { id: 1808, level: 'error', fields: ['front', 'frontPid', 'waitedMs'], meaning: 'At Portico\'s stop a front process had not said it stopped accepting 10 s (the fronts\' one limit) after it was asked (its event loop is blocked, or it is stopped): it is killed, the connections it held are lost, and the stop goes on; the other fronts\' requests in flight finish.' },
  'front.flooded': { id: 1804, level: 'error', fields: ['front', 'frontPid', 'reason', 'reached', 'limit'], meaning: 'A front process passed a bound of what it may send the control process (a message past 1 MiB, more than 5000 messages or 16 MiB in a second of the front\'s own clock, or bytes that are not a message): it is killed and restarted before the control holds or parses more of it.' },
  'front.message_refused': { id: 1806, level: 'error', fields: ['front', 'frontPid', 'type', 'problem'], meaning: 'A front process sent a message that no front sends (a figure that is not a count, a field missing, an unknown type, request counts lower than its last report’s): it was dropped, nothing of it read, and the figures it would have changed stay as the front last reported them. Logged once per front process and type; portico_front_messages_refused_total counts every one.' },
  'front.logs_dropped': { id: 1805, level: 'warn', fields: ['front', 'dropped', 'budget'], meaning: 'A front process logged more events in a second than its budget (1000), or while the control process had not taken 4 MiB of what it sent: the rest of that second\'s events were dropped, and counted here.' },

  // 1400–1499: authenticators (auth-forwarder).
  'auth.succeeded': { id: 1400, level: 'debug', fields: ['app', 'scheme', 'user', 'remoteAddress'], meaning: 'A request was authenticated.' },
  'auth.failed': { id: 1401, level: 'info', fields: ['app', 'scheme', 'status', 'reason', 'remoteAddress'], meaning: 'A request was refused with 401 or 403; reason says why, never with a credential.' },
  'auth.service_error': { id: 1402, level: 'warn', fields: ['app', 'scheme', 'status', 'reason', 'remoteAddress'], meaning: 'The forward-auth service failed, timed out or answered something unexpected; the client got 502.' },
  'auth.internal_error': { id: 1403, level: 'error', fields: ['app', 'scheme', 'status', 'reason', 'remoteAddress'], meaning: 'Authentication threw unexpectedly; the client got 502 and the proxy kept running.' },
  'auth.claims_dropped': { id: 1404, level: 'warn', fields: ['app', 'scheme', 'user', 'bytes', 'maxClaimsBytes'], meaning: 'The selected claims were larger than maxClaimsBytes and were not forwarded.' },
  'auth.htpasswd_reloaded': { id: 1405, level: 'info', fields: ['app', 'file', 'users'], meaning: 'The htpasswd file changed and was loaded.' },
  'auth.htpasswd_reload_failed': { id: 1406, level: 'error', fields: ['app', 'file', 'message'], meaning: 'The htpasswd file changed but cannot be used; the previous users stay in force.' },
  'auth.loop_detected': { id: 1407, level: 'error', fields: ['app', 'scheme', 'url', 'remoteAddress'], meaning: 'One of Portico\'s own forward-auth subrequests arrived back at it, for an app whose authenticator would send another (its auth url leads into Portico: its listener, a port forward to it, or the server that embeds it): it was answered 508, so the request that sent it got 502. Point the app\'s auth.url at the auth service itself.' },
});

/** The dotted name of a catalogued event, e.g. `'worker.exited'`. */
export type PorticoEventName = keyof typeof PorticoEvents;
