// Soak: a long run of requests through Portico while backends are SIGKILLed and the app is
// reloaded, watching Portico's memory, its file descriptors and the processes it leaves behind.
//
//   pnpm soak                                  (1 000 000 requests)
//   SOAK_REQUESTS=50000 SOAK_JSON=1 pnpm soak  (short; last line `SOAK_RESULT {json}`)
//   SOAK_SECONDS=90 …                          (stop sending after 90 s, however many were sent)
//
// | variable | default | meaning |
// | SOAK_REQUESTS | 1000000 | requests to send |
// | SOAK_SECONDS | unset | send no new request after this many seconds, even if fewer were sent |
// | SOAK_CONNECTIONS | 32 | keep-alive client connections, one request at a time each |
// | SOAK_CRASH_MS | 2000 | SIGKILL a random ready backend this often |
// | SOAK_RELOAD_MS | 7000 | reload with a changed environment variable this often (rolls the app over) |
// | SOAK_SLOPE_MAX | 10 | verdict: RSS slope over the second half, MiB per minute, at most this |
// | SOAK_FD_SLACK | 5 | verdict: fds after stop within this of the count before start |
// | SOAK_DEADLINE_MS | 60000 | a request unanswered this long counts as hung: by default the longest Portico's deadlines allow (below) |
// | SOAK_SLOW_MS | 1000 | a request answered after this long is slow: counted by where it waited |
// | SOAK_START_DELAY_MS | 0 | each backend listens this late (a loaded machine's slow start, or an app that loads for long) |
// | SOAK_TRACE | unset | a file to write the slow requests and Portico's log events to, as JSON |
// | SOAK_JSON | unset | `1`: also print the result as one JSON line |
//
// The load is generated in this process over raw sockets (a request costs the client a few
// string operations), so every request's fate is known exactly: answered with a status, reset,
// or never answered within SOAK_DEADLINE_MS. Memory figures are this process's, so they include
// the load loop; it keeps a latency histogram (1 500 numbers) and at most 5 000 slow requests,
// nothing per request. Portico runs the app with two workers, so a request whose worker was
// killed is retried on the other (docs/proxy.md); a 502 is still possible when both are down at
// once.
//
// Latency: each request's time from its write to the end of its answer. The slow ones are sorted
// by where they waited, from the x-served-by and x-served-at headers the backend adds and the
// moment each backend became ready (worker.ready): waiting for a worker to start (none was ready,
// or the one it was on was killed and it waited for a restart, docs/proxy.md's retry rule),
// reaching a ready worker late, or being delivered late after its backend answered (this
// process's event loop, shared by Portico and the load, was held).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';
import { LatencyHistogram } from './support/LatencyHistogram.ts';
import { classifySlowRequests, type SlowCause, type SlowRequest } from './support/SlowRequests.ts';

const env = process.env;
// Portico's deadlines for the soak's app, set here rather than left at 120 s each so that a run
// ends in minutes whatever happens: a request's waits for a worker add up to at most queue.timeout
// (the app's startupTimeLimit), and its backend owes it progress within requestTimeout
// (docs/proxy.md, Failures and the retry rule; docs/config.md). The backend answers at once and
// a killed one fails its requests at once, so no soak request may take longer than their sum.
const STARTUP_TIME_LIMIT = 30;
const REQUEST_TIMEOUT = 30;
const settings = {
  requests: Number(env.SOAK_REQUESTS ?? 1_000_000),
  seconds: Number(env.SOAK_SECONDS ?? Infinity),
  connections: Number(env.SOAK_CONNECTIONS ?? 32),
  crashMs: Number(env.SOAK_CRASH_MS ?? 2_000),
  reloadMs: Number(env.SOAK_RELOAD_MS ?? 7_000),
  slopeMax: Number(env.SOAK_SLOPE_MAX ?? 10),
  fdSlack: Number(env.SOAK_FD_SLACK ?? 5),
  deadlineMs: Number(env.SOAK_DEADLINE_MS ?? (STARTUP_TIME_LIMIT + REQUEST_TIMEOUT) * 1000),
  slowMs: Number(env.SOAK_SLOW_MS ?? 1_000),
  startDelayMs: Number(env.SOAK_START_DELAY_MS ?? 0),
  trace: env.SOAK_TRACE,
};
const backend = fileURLToPath(new URL('./fixtures/hello.mjs', import.meta.url));
const MiB = 1024 * 1024;

// A full collection before each sample takes the garbage's sawtooth out of the memory figures,
// so the slope measures what is kept, not when V8 last collected. (The `pnpm soak` command line
// has no --expose-gc; this turns it on from inside.)
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Sample {
  readonly second: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly done: number;
  readonly perSecond: number;
}

export interface SoakResult {
  readonly settings: typeof settings;
  readonly seconds: number;
  readonly sent: number;
  readonly answered: number;
  readonly statuses: Record<string, number>;
  readonly resets: number;
  readonly hung: number;
  /** Answered requests' time from sending to the whole answer, ms. */
  readonly latency: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number; readonly over1s: number; readonly over10s: number };
  /** Requests answered after settings.deadlineMs, or never (hung): Portico's deadlines allow none. */
  readonly overDeadline: number;
  /** Backend starts, spawn to ready (worker.ready's startupMs). */
  readonly startups: { readonly count: number; readonly medianMs: number; readonly maxMs: number };
  /** Requests slower than settings.slowMs, by where they waited. */
  readonly slowCauses: Partial<Record<SlowCause, { readonly count: number; readonly longestMs: number }>>;
  /** The longest the event loop this process shares with Portico was held, ms. */
  readonly loopDelayMaxMs: number;
  readonly crashes: number;
  readonly reloads: number;
  readonly reloadFailures: number;
  readonly restarts: number;
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssMaxMiB: number;
  readonly heapEndMiB: number;
  /** Least-squares slope of RSS over the second half of the samples, MiB per minute. */
  readonly rssSlopeMiBPerMin: number;
  /** The same for the heap in use after a full collection. */
  readonly heapSlopeMiBPerMin: number;
  readonly fdsBefore: number;
  readonly fdsDuring: number;
  readonly fdsAfter: number;
  readonly backendPids: readonly number[];
  readonly orphans: readonly number[];
  /** Other child processes still running after stop (not backends: Portico's own helpers). */
  readonly helpers: readonly string[];
  readonly verdict: { readonly rss: boolean; readonly fds: boolean; readonly orphans: boolean; readonly answered: boolean };
}

const countFds = () => readdirSync('/proc/self/fd').length;

/** Alive and not a zombie: a zombie holds no port, pipe or memory, only its exit status. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Our live child processes but tsx's own compiler service: what Portico left running. */
function liveChildren(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (!command.includes('esbuild')) found.push(`${entry} ${command.split('\n')[0]}`);
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The load: keep-alive connections over raw sockets, each with at most one request in flight. */
class Load {
  sent = 0;
  answered = 0;
  resets = 0;
  hung = 0;
  readonly statuses = new Map<number, number>();
  readonly latency = new LatencyHistogram([1_000, 10_000, settings.deadlineMs]);
  readonly slow: SlowRequest[] = [];
  #stopped = false;
  readonly #connections = new Set<{ socket: net.Socket; since: number | undefined }>();
  readonly #port: number;
  readonly #target: number;
  #onIdle: (() => void) | undefined;

  readonly #began: number;

  constructor(port: number, target: number, began: number) {
    this.#port = port;
    this.#target = target;
    this.#began = began;
  }

  #noteSlow(since: number, now: number, status: number | 'hung', head: string): void {
    if (now - since < settings.slowMs || this.slow.length >= 5_000) return;
    const by = /\r\nx-served-by: *(\d+)/i.exec(head);
    const at = /\r\nx-served-at: *(\d+)/i.exec(head);
    this.slow.push({
      sentMs: Math.round(since - this.#began),
      waitedMs: Math.round(now - since),
      status,
      servedBy: by ? Number(by[1]) : undefined,
      servedMs: at ? Math.round(Number(at[1]) - performance.timeOrigin - this.#began) : undefined,
    });
  }

  run(connections: number): Promise<void> {
    for (let i = 0; i < connections; i++) this.#open();
    return new Promise((resolve) => (this.#onIdle = resolve));
  }

  /** Counts a request that has waited past the deadline as hung and drops its connection. */
  reapHung(now: number, deadlineMs: number): void {
    for (const c of this.#connections) {
      if (c.since !== undefined && now - c.since > deadlineMs) {
        this.hung++;
        this.#noteSlow(c.since, now, 'hung', '');
        c.since = undefined;
        c.socket.destroy();
      }
    }
  }

  #open(): void {
    const request = Buffer.from('GET /soak HTTP/1.1\r\nhost: soak.test\r\n\r\n');
    const socket = net.connect({ host: '127.0.0.1', port: this.#port });
    const c: { socket: net.Socket; since: number | undefined } = { socket, since: undefined };
    this.#connections.add(c);
    let buffer = '';
    const next = () => {
      if (this.#stopped || this.sent >= this.#target) {
        socket.end();
        return;
      }
      this.sent++;
      c.since = performance.now();
      socket.write(request);
    };
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('connect', next);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.slice(0, end);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) {
          // Every answer in this run has a length; anything else is a framing failure.
          this.resets++;
          c.since = undefined;
          socket.destroy();
          return;
        }
        const total = end + 4 + Number(length[1]);
        if (buffer.length < total) return;
        buffer = buffer.slice(total);
        const status = Number(head.slice(9, 12));
        this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
        this.answered++;
        if (c.since !== undefined) {
          const now = performance.now();
          this.latency.record(now - c.since);
          this.#noteSlow(c.since, now, status, head);
        }
        c.since = undefined;
        if (/\r\nconnection: *close/i.test(head)) {
          socket.end();
          return;
        }
        next();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#connections.delete(c);
      if (c.since !== undefined) this.resets++;
      if (!this.#stopped && this.sent < this.#target) this.#open();
      else if (this.#connections.size === 0) this.#onIdle?.();
    });
  }

  stop(): void {
    this.#stopped = true;
  }
}

export async function runSoak(log: (line: string) => void = console.log): Promise<SoakResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-soak-'));
  let generation = 0;
  const configFor = () =>
    resolveConfig(
      {
        listen: [{ port: 0, host: '127.0.0.1' }],
        apps: [
          {
            name: 'hello',
            processPath: process.execPath,
            arguments: [backend],
            processesPerApplication: 2,
            start: 'eager',
            rapidFailsPerMinute: 100,
            restart: { backoff: { min: 0, max: 0.05 } },
            shutdownTimeLimit: 2,
            startupTimeLimit: STARTUP_TIME_LIMIT,
            requestTimeout: REQUEST_TIMEOUT,
            environmentVariables: { SOAK_GENERATION: String(generation), HELLO_STAMP: '1', HELLO_START_DELAY_MS: String(settings.startDelayMs) },
          },
        ],
      },
      { file: join(dir, 'portico.json'), baseDir: dir },
    );
  // Portico's log: when each backend became ready, to tell where a slow request waited, and with
  // SOAK_TRACE the whole story, written to that file with the slow requests.
  let began = performance.now();
  const readyAt = new Map<number, number>();
  const startupMs: number[] = [];
  const timeline: { atMs: number; event: string; detail: string }[] = [];
  const note = (event: string, detail: string) => timeline.length < 50_000 && timeline.push({ atMs: Math.round(performance.now() - began), event, detail });
  const logLines = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line || (settings.trace === undefined && !line.includes('"worker.ready"'))) continue;
        const { event, level: _l, time: _t, pid: _p, hostname: _h, msg: _m, eventId: _i, ...fields } = JSON.parse(line) as Record<string, unknown>;
        if (event === 'worker.ready') {
          readyAt.set(Number(fields['workerPid']), Math.round(performance.now() - began));
          startupMs.push(Number(fields['startupMs']));
        }
        if (settings.trace !== undefined) note(String(event), JSON.stringify(fields));
      }
      done();
    },
  });
  const fdsBefore = countFds();
  const portico = createPortico(configFor(), { logger: createLogger({ destination: logLines, pretty: false, level: 'info' }) });
  const pids = new Set<number>();
  const collectPids = () => {
    for (const app of portico.status().apps) for (const w of app.workers) if (w.pid !== undefined) pids.add(w.pid);
  };
  const offChange = portico.onChange(collectPids);
  const { listen: [address] } = await portico.start();
  await waitReady(portico);

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  began = performance.now();
  const load = new Load(address!.port, settings.requests, began);
  const samples: Sample[] = [];
  let crashes = 0;
  let reloads = 0;
  let reloadFailures = 0;
  let restarts = 0;
  let fdsDuring = 0;
  let lastDone = 0;
  // Memory is read four times a second for the fit (RSS moves by ±10 MiB with socket buffers and
  // the young generation, so more points make a steadier slope) and once a second for the table.
  const points: { minute: number; rss: number; heap: number }[] = [];
  const memorySampler = setInterval(() => {
    collectGarbage();
    const memory = process.memoryUsage();
    points.push({ minute: (performance.now() - began) / 60_000, rss: memory.rss / MiB, heap: memory.heapUsed / MiB });
  }, 250);
  const sampler = setInterval(() => {
    const now = performance.now();
    load.reapHung(now, settings.deadlineMs);
    collectGarbage();
    const memory = process.memoryUsage();
    const done = load.answered;
    samples.push({ second: Math.round((now - began) / 1000), rss: memory.rss, heapUsed: memory.heapUsed, done, perSecond: done - lastDone });
    lastDone = done;
    fdsDuring = Math.max(fdsDuring, countFds());
    collectPids();
  }, 1_000);
  const crasher = setInterval(() => {
    const ready = portico.status().apps.flatMap((a) => a.workers).filter((w) => w.state === 'ready' && w.pid !== undefined);
    const victim = ready[Math.floor(Math.random() * ready.length)];
    if (victim?.pid === undefined) return;
    try {
      process.kill(victim.pid, 'SIGKILL');
      note('soak.sigkill', String(victim.pid));
      crashes++;
    } catch {
      // Gone already.
    }
  }, settings.crashMs);
  // A reload that is still rolling out when the next is due makes the next one wait its turn,
  // once: on a loaded machine reloads would otherwise pile up and run on long after the load.
  let reloading: Promise<unknown> = Promise.resolve();
  let reloadDue = false;
  const reloader = setInterval(() => {
    if (reloadDue) return;
    reloadDue = true;
    reloading = reloading.then(async () => {
      reloadDue = false;
      // A rolled-over app starts again from zero restarts; count the old one's first.
      restarts += portico.status().apps.flatMap((a) => a.workers).reduce((n, w) => n + w.restarts, 0);
      generation++;
      note('soak.reload', String(generation));
      const result = await portico.reload(configFor());
      note('soak.reloaded', String(generation));
      if (result.ok) reloads++;
      else reloadFailures++;
    });
  }, settings.reloadMs);

  // A busy machine answers fewer requests a second, not fewer crashes or reloads (those run on
  // timers): a soak bounded in time as well ends with as much chaos, over fewer requests.
  const timeUp = Number.isFinite(settings.seconds) ? setTimeout(() => load.stop(), settings.seconds * 1000) : undefined;
  await load.run(settings.connections);
  clearTimeout(timeUp);
  clearInterval(crasher);
  clearInterval(reloader);
  await reloading;
  clearInterval(sampler);
  clearInterval(memorySampler);
  loopDelay.disable();
  const seconds = (performance.now() - began) / 1000;
  restarts += portico.status().apps.flatMap((a) => a.workers).reduce((n, w) => n + w.restarts, 0);
  collectPids();
  offChange();
  await portico.stop();
  await rm(dir, { recursive: true, force: true });
  // Give closed handles one turn of the loop to leave the fd table.
  await new Promise((resolve) => setImmediate(resolve));
  const fdsAfter = countFds();
  const orphans = [...pids].filter(alive);
  const helpers = liveChildren().filter((c) => !orphans.includes(Number(c.split(' ')[0])));

  const half = points.slice(Math.floor(points.length / 2));
  const rssSlope = slope(half.map((p) => [p.minute, p.rss] as const));
  const heapSlope = slope(half.map((p) => [p.minute, p.heap] as const));
  const mib = (n: number) => Math.round((n / MiB) * 10) / 10;
  const result: SoakResult = {
    settings,
    seconds: Math.round(seconds * 10) / 10,
    sent: load.sent,
    answered: load.answered,
    statuses: Object.fromEntries([...load.statuses].map(([s, n]) => [String(s), n])),
    resets: load.resets,
    hung: load.hung,
    latency: {
      p50: Math.round(load.latency.percentile(0.5) * 10) / 10,
      p99: Math.round(load.latency.percentile(0.99)),
      p999: Math.round(load.latency.percentile(0.999)),
      max: Math.round(load.latency.max),
      over1s: load.latency.over(1_000),
      over10s: load.latency.over(10_000),
    },
    overDeadline: load.hung + load.latency.over(settings.deadlineMs),
    slowCauses: Object.fromEntries(classifySlowRequests(load.slow, readyAt)),
    startups: { count: startupMs.length, medianMs: Math.round(median(startupMs)), maxMs: Math.round(Math.max(0, ...startupMs)) },
    loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
    crashes,
    reloads,
    reloadFailures,
    restarts,
    rssStartMiB: mib(samples[0]?.rss ?? 0),
    rssEndMiB: mib(samples.at(-1)?.rss ?? 0),
    rssMaxMiB: mib(Math.max(...samples.map((s) => s.rss))),
    heapEndMiB: mib(samples.at(-1)?.heapUsed ?? 0),
    rssSlopeMiBPerMin: Math.round(rssSlope * 100) / 100,
    heapSlopeMiBPerMin: Math.round(heapSlope * 100) / 100,
    fdsBefore,
    fdsDuring,
    fdsAfter,
    backendPids: [...pids],
    orphans,
    helpers,
    verdict: {
      rss: rssSlope <= settings.slopeMax,
      fds: Math.abs(fdsAfter - fdsBefore) <= settings.fdSlack,
      orphans: orphans.length === 0,
      answered: load.answered === load.sent && load.resets === 0 && load.hung === 0 && load.latency.over(settings.deadlineMs) === 0,
    },
  };
  if (settings.trace !== undefined) writeFileSync(settings.trace, JSON.stringify({ slow: load.slow, timeline }));
  printTable(samples, log);
  printSummary(result, log);
  return result;
}

function waitReady(portico: Portico): Promise<void> {
  return new Promise((resolve) => {
    if (portico.ready()) return resolve();
    const off = portico.onChange(() => portico.ready() && (off(), resolve()));
  });
}

function printTable(samples: readonly Sample[], log: (line: string) => void): void {
  const every = Math.max(1, Math.ceil(samples.length / 30));
  log('   s   answered    req/s   rss MiB  heap MiB (after a full GC)');
  samples.forEach((s, i) => {
    if (i % every !== 0 && i !== samples.length - 1) return;
    log(
      `${String(s.second).padStart(4)} ${String(s.done).padStart(10)} ${String(s.perSecond).padStart(8)} ${(s.rss / MiB).toFixed(1).padStart(9)} ${(s.heapUsed / MiB).toFixed(1).padStart(9)}`,
    );
  });
}

function printSummary(r: SoakResult, log: (line: string) => void): void {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  log('');
  log(`requests  ${r.answered}/${r.sent} answered in ${r.seconds} s (${Math.round(r.answered / r.seconds)} req/s); statuses ${JSON.stringify(r.statuses)}; resets ${r.resets}; hung ${r.hung}`);
  log(`latency   p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, p99.9 ${r.latency.p999} ms, max ${r.latency.max} ms; over 1 s ${r.latency.over1s}, over 10 s ${r.latency.over10s}; event loop held at most ${r.loopDelayMaxMs} ms`);
  const causes = Object.entries(r.slowCauses).map(([cause, c]) => `${c.count} ${cause} (longest ${c.longestMs} ms)`);
  log(`slow      over ${r.settings.slowMs} ms: ${causes.length ? causes.join('; ') : 'none'}`);
  log(`starts    ${r.startups.count} backends became ready, spawn to ready median ${r.startups.medianMs} ms, longest ${r.startups.maxMs} ms`);
  log(`chaos     ${r.crashes} SIGKILLs, ${r.restarts} restarts, ${r.reloads} reloads (${r.reloadFailures} refused), ${r.backendPids.length} backend processes in all`);
  log(`memory    rss ${r.rssStartMiB} → ${r.rssEndMiB} MiB (max ${r.rssMaxMiB}), heap at end ${r.heapEndMiB} MiB`);
  log(`${mark(r.verdict.rss)}      rss slope over the second half ${r.rssSlopeMiBPerMin} MiB/min (limit ${r.settings.slopeMax}); heap after GC ${r.heapSlopeMiBPerMin} MiB/min`);
  log(`${mark(r.verdict.fds)}      fds ${r.fdsBefore} before start, ${r.fdsDuring} at most during, ${r.fdsAfter} after stop (limit ±${r.settings.fdSlack})`);
  log(`${mark(r.verdict.orphans)}      backend processes alive after stop: ${r.orphans.length}${r.orphans.length ? ` (${r.orphans.join(', ')})` : ''}`);
  log(`${mark(r.verdict.answered)}      every request answered, ${r.overDeadline} past Portico's deadlines (${r.settings.deadlineMs / 1000} s: queue.timeout ${STARTUP_TIME_LIMIT} s + requestTimeout ${REQUEST_TIMEOUT} s)`);
  log(`note      other child processes after stop: ${r.helpers.length}${r.helpers.length ? ` (${r.helpers.join('; ')})` : ''}`);
  log(`verdict   ${Object.values(r.verdict).every(Boolean) ? 'PASS' : 'FAIL'}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runSoak();
  if (env.SOAK_JSON === '1') console.log(`SOAK_RESULT ${JSON.stringify(result)}`);
  process.exitCode = Object.values(result.verdict).every(Boolean) ? 0 : 1;
}
