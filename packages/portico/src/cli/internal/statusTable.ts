import type { AppStatus, FrontStatusView, PorticoStatus, ResourceFigures, WorkerStatusView } from '@portico/listener';

/**
 * `portico status` as text: a line about the process, then one table with a row per app and,
 * indented under it, a row per worker slot.
 *
 * @example
 * Portico 0.1.0, pid 4242, up 2h 05m
 *
 * APP / WORKER  STATE    PID   PORT   UPTIME  RESTARTS  IN-FLIGHT  REQUESTS  CPU    CPU TIME  MEMORY    FDS  LAST EXIT
 * shop          ready                                    3          1200      2.5%   12.0s     81.0 MiB  20   queue 2
 *   shop#1      ready    4250  40123  5m 03s  1         3          1200      2.5%   12.0s     81.0 MiB  20   code 1
 *
 * With `fronts` ≥ 2, a second table has a row per front process (a front restarted after a
 * crash shows its count there, which nothing in the apps' table says):
 *
 * FRONT  STATE    PID   RESTARTS  CONNECTIONS
 * 1      serving  4301  1         12
 *
 * Below the tables, a line for each failed app says why and when it starts again, and one for
 * each app stopped by its app_offline.htm says so.
 */
export function statusTable(status: PorticoStatus, apps: readonly AppStatus[], now: number): string {
  const notes: string[] = [];
  const rows: string[][] = [['APP / WORKER', 'STATE', 'PID', 'PORT', 'UPTIME', 'RESTARTS', 'IN-FLIGHT', 'REQUESTS', 'CPU', 'CPU TIME', 'MEMORY', 'FDS', 'LAST EXIT']];
  for (const app of apps) {
    // The app's row sums its workers' figures; a queue is said where a worker's last exit would be.
    const sums = app.workers.length === 0 ? ['', '', '', '', '', ''] : [String(app.inFlight ?? 0), String(app.requests ?? 0), ...figures(app.resources)];
    rows.push([app.name, app.state, '', '', '', '', ...sums, app.queueDepth > 0 ? `queue ${app.queueDepth}` : '']);
    // Why it is down and when it is tried again: a row of its own, outside the columns.
    if (app.rollout) notes.push(`${app.name}: ${app.rollout.message}; the old workers kept serving`);
    // Stopped for a reason of its own (app_offline.htm): without it, the table read as after `portico stop`.
    const stopped = app.state === 'stopped' ? app.history?.at(-1) : undefined;
    if (stopped?.state === 'stopped' && stopped.reason) notes.push(`${app.name}: stopped: ${stopped.reason}`);
    if (app.failure) notes.push(`${app.name}: failed: ${app.failure}${app.retryAt === undefined ? '' : `; started again by itself in ${countdown(app.retryAt - now)}`}`);
    const wait = app.newWorkerWait;
    if (wait) notes.push(`${app.name}: new workers (replacement, growth) failed to start ${wait.failures === 1 ? 'once' : `${wait.failures} times`} in a row; next try in ${countdown(wait.retryAt - now)}, the old workers serve on`);
    for (const worker of app.workers) rows.push(workerRow(worker, now));
  }
  const table = columns(rows);
  const fronts = status.fronts === undefined || status.fronts.length === 0 ? '' : `\n${columns(frontRows(status.fronts)).join('\n')}\n`;
  const head = `Portico ${status.version}, pid ${status.pid}, up ${duration(now - status.startedAt)}`;
  // Why CPU and memory show '-': said once, under the table.
  if (status.sampling?.note) notes.push(`CPU and memory: ${status.sampling.note}`);
  const sources = sourceNote(apps);
  if (sources) notes.push(`CPU and memory: ${sources}`);
  return `${head}\n\n${apps.length === 0 ? 'no apps' : table.join('\n')}\n${fronts}${notes.length === 0 ? '' : `\n${notes.join('\n')}\n`}`;
}

/** Rows padded to their columns' widths, two spaces apart, the last column unpadded. */
function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}

function frontRows(fronts: readonly FrontStatusView[]): string[][] {
  const rows = [['FRONT', 'STATE', 'PID', 'RESTARTS', 'CONNECTIONS']];
  for (const f of fronts) rows.push([String(f.front), f.state, f.pid === undefined ? '-' : String(f.pid), String(f.restarts), String(f.connections)]);
  return rows;
}

function workerRow(worker: WorkerStatusView, now: number): string[] {
  const endpoint = worker.endpoint === undefined ? '-' : worker.endpoint.kind === 'tcp' ? String(worker.endpoint.port) : worker.endpoint.path;
  return [
    `  ${worker.id}`,
    worker.state,
    worker.pid === undefined ? '-' : String(worker.pid),
    endpoint,
    worker.readySince === undefined ? '-' : duration(now - worker.readySince),
    String(worker.restarts),
    String(worker.inFlight),
    worker.pid === undefined ? '-' : String(worker.requests ?? 0),
    ...figures(worker.resources),
    lastExit(worker),
  ];
}

/** Where the workers' figures were read, once for each way they were (docs/worker.md, What a worker costs). */
function sourceNote(apps: readonly AppStatus[]): string | undefined {
  const seen = new Set<string>();
  for (const app of apps) {
    for (const worker of app.workers) {
      const source = worker.resources?.source;
      if (!source) continue;
      if (source.processes === 'tree') seen.add('from /proc, over the process tree below the worker');
      else seen.add(`from the worker's cgroup (cgroup.procs, ${source.cpu === 'cgroup' ? 'cpu.stat' : 'CPU from /proc'}, ${source.memory === 'cgroup' ? 'memory.current' : 'memory from /proc: no memory controller for it in cgroup v2'})`);
    }
  }
  return seen.size === 0 ? undefined : [...seen].join('; ');
}

/** CPU percent and time, resident memory and open files of a worker's tree, or an app's sums; `-` before a sample. */
function figures(resources: ResourceFigures | undefined): [string, string, string, string] {
  if (!resources) return ['-', '-', '-', '-'];
  const { cpuPercent, cpuSeconds, memoryBytes, fds } = resources;
  // Tenths below a minute (a worker that idles uses a fraction of a second), then as UPTIME is written.
  const cpuTime = cpuSeconds < 60 ? `${cpuSeconds.toFixed(1)}s` : duration(cpuSeconds * 1000);
  return [`${cpuPercent.toFixed(1)}%`, cpuTime, `${(memoryBytes / 1048576).toFixed(1)} MiB`, String(fds)];
}

function lastExit(worker: WorkerStatusView): string {
  const exit = worker.lastExit;
  if (!exit) return '-';
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? exit.kind : `code ${exit.code}`;
}

/** `45s`, `5m 03s`, `2h 05m`, `3d 04h`: two units at most, enough to tell a fresh restart from a long run. */
/** Time left until a retry, in whole seconds rounded up, as the failure page counts it down. */
function countdown(ms: number): string {
  return duration(Math.ceil(ms / 1000) * 1000);
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${two(Math.floor(s / 3600) % 24)}h`;
}
