// WebSocket echo throughput, in one run: a `ws` echo backend directly; through Portico's forwarder
// alone; through nginx (one worker, the Upgrade/Connection proxy headers) when nginx is
// installed; and through Portico whole with two front processes against nginx with two workers. A
// driver process opens 50 client connections to a target and echoes for S seconds in one of three
// modes: 64-byte messages with one in flight per connection (the next is sent on each echo),
// 64-byte messages with 16 in flight, and 64 KiB messages with one in flight (MiB/s of echoed
// payload, each byte crossing the proxy twice). Each component runs in its own process, as in
// production. R rounds run every mode on every target, the targets in turn forwards and backwards,
// and each ratio (to the direct backend, and Portico's to nginx's) is taken within a round, then
// the median printed. The run also prints the CPU the backend and the proxy (nginx: its workers;
// Portico whole: its control process and fronts) used per echo, the proxy's in user space and in
// the kernel apart, over the driver's whole run (its 50 handshakes included, a small share of a
// run of seconds), and the load average, since the machine's other work moves every figure.
// The run also measures the floor of any relay written in Node beside them: a bare relay in its
// own process (Node's `onread` into one buffer each way, a copy of each read written straight on,
// no Nagle, nothing else), which no tunnel in JavaScript undercuts. With it, for each proxy, the
// times its event-loop thread (nginx: each worker) was put on a CPU per echo, from
// /proc/PID/schedstat: a proxy that sleeps and wakes for every few messages pays its loop's cost of
// a wake-up for each, a busy one serves many per wake-up.
// Run (after tsc -b): node --import tsx bench/websocket.bench.ts [seconds] [rounds]
import { cpus, loadavg } from 'node:os';
import { once } from 'node:events';
import net from 'node:net';
import { resolveConfig } from '@portico/portico';
import { createForwarder } from '@portico/router';
import { WebSocket } from 'ws';
import { bareRelay } from './support/bareRelay.ts';
import { childPids, cpuMs, cpuSplitMs } from './support/processCpu.ts';
import { listenAndReport, runRole, startRole } from './support/roleProcess.ts';
import { startNginx } from './support/startNginx.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';
import { wakeUps } from './support/wakeUps.ts';
import { benchConfigPlace } from './support/benchConfigPlace.ts';

/** The echo backend every target stands in front of. */
const BACKEND = new URL('./fixtures/ws-echo-backend.mjs', import.meta.url);
const CONNECTIONS = 50;
const SMALL = 64;
const LARGE = 64 * 1024;
/** Small messages in flight per connection in the pipelined mode: enough to keep every process busy. */
const PIPELINED = 16;

interface Mode {
  readonly label: string;
  readonly size: number;
  readonly inFlight: number;
  /** What one echo counts for in the table: a message, or MiB of payload. */
  readonly unit: 'msgs/s' | 'MiB/s';
}

const MODES: readonly Mode[] = [
  { label: '64 B, 1 in flight', size: SMALL, inFlight: 1, unit: 'msgs/s' },
  { label: `64 B, ${PIPELINED} in flight`, size: SMALL, inFlight: PIPELINED, unit: 'msgs/s' },
  { label: '64 KiB, 1 in flight', size: LARGE, inFlight: 1, unit: 'MiB/s' },
];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const role = process.argv[2];
// Exit cleanly on SIGINT so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));

if (role === 'portico-fronts') {
  // Portico whole with two front processes, supervising its own copy of the echo backend.
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: [{ name: 'echo', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    benchConfigPlace('portico-ws-bench.json'),
  );
  const { portico, port } = await startPorticoReady(config);
  // After the port: the backend's pid, then the fronts'.
  const frontPids = (portico.status().fronts ?? []).map((f) => f.pid!);
  process.stdout.write(`${port} ${portico.status().apps[0]!.workers[0]!.pid!} ${frontPids.join(' ')}\n`);
  process.on('SIGTERM', () => void portico.stop().then(() => process.exit(0)));
} else if (role === 'portico') {
  const port = Number(process.argv[3]);
  const forwarder = createForwarder({ pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port }, token: 't' }) });
  await listenAndReport(net.createServer({ allowHalfOpen: true }, (s) => forwarder.handleConnection(s)));
} else if (role === 'node-relay') {
  await listenAndReport(bareRelay(Number(process.argv[3])));
} else if (role === 'driver') {
  const [port, seconds, size, inFlight] = process.argv.slice(3).map(Number) as [number, number, number, number];
  process.stdout.write(`${JSON.stringify(await drive(port, seconds, size, inFlight))}\n`);
  process.exit(0);
} else {
  await main();
}

interface DriveResult {
  echoes: number;
  seconds: number;
  errors: number;
}

/** Opens the connections, then runs the echo loop for `seconds` once all are open, `inFlight` messages per connection. */
async function drive(port: number, seconds: number, size: number, inFlight: number): Promise<DriveResult> {
  const payload = Buffer.alloc(size, 0x61);
  let errors = 0;
  const sockets = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: false });
      ws.on('error', () => errors++);
      await once(ws, 'open');
      return ws;
    }),
  );
  let echoes = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on('message', () => {
      if (!running) return;
      echoes++;
      ws.send(payload, { binary: true });
    });
  }
  const started = performance.now();
  for (const ws of sockets) for (let i = 0; i < inFlight; i++) ws.send(payload, { binary: true });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  return { echoes, seconds: elapsed, errors };
}

interface ModeResult extends DriveResult {
  /** Microseconds of CPU per echo: the backend's process, and the proxy's (nginx: its workers), the proxy's in user space and in the kernel apart. */
  backendCpuUs: number;
  proxyUserUs: number;
  proxySystemUs: number;
  /** Times the proxy's main threads were put on a CPU, per echo (wakeUps). */
  proxyWakeUps: number;
  /** Microseconds of CPU per echo of each of the proxy's processes (nginx's workers; Portico's control and fronts). */
  proxyEachUs: number[];
}

/**
 * Runs the driver in its own process, so it does not share a CPU with the backend or proxy, and
 * counts the CPU the backend and the proxy used meanwhile.
 */
async function runDriver(port: number, seconds: number, size: number, options: { inFlight?: number; backend?: number[]; proxy?: number[] } = {}): Promise<ModeResult> {
  const { inFlight = 1, backend = [], proxy = [] } = options;
  const backendBefore = cpuMs(backend);
  const proxyBefore = cpuSplitMs(proxy);
  const wakeUpsBefore = wakeUps(proxy);
  const eachBefore = proxy.map((pid) => cpuMs([pid]));
  const result = JSON.parse(await runRole(new URL(import.meta.url), ['driver', String(port), String(seconds), String(size), String(inFlight)])) as DriveResult;
  const perEcho = (ms: number): number => (ms * 1000) / Math.max(result.echoes, 1);
  const proxyAfter = cpuSplitMs(proxy);
  const proxyWakeUps = (wakeUps(proxy) - wakeUpsBefore) / Math.max(result.echoes, 1);
  return {
    ...result,
    backendCpuUs: perEcho(cpuMs(backend) - backendBefore),
    proxyUserUs: perEcho(proxyAfter.user - proxyBefore.user),
    proxySystemUs: perEcho(proxyAfter.system - proxyBefore.system),
    proxyWakeUps,
    proxyEachUs: proxy.map((pid, i) => perEcho(cpuMs([pid]) - eachBefore[i]!)),
  };
}

interface Target {
  readonly name: string;
  readonly port: number;
  /** The proxy's processes, whose CPU per echo is reported (none for the backend direct); nginx's workers are known once they serve. */
  readonly proxy: () => readonly number[];
  readonly backendPid: number;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  const start = (args: string[]) => startRole(new URL(import.meta.url), args);
  const backend = await startRole(BACKEND, ['--report-port']);
  const portico = await start(['portico', String(backend.port)]);
  const relay = await start(['node-relay', String(backend.port)]);
  const fronts = await start(['portico-fronts']);
  const [, frontsBackend, ...frontPids] = fronts.line.split(' ').map(Number);
  // Upgrade and Connection passed on, as nginx's WebSocket proxying needs.
  const nginxConfig = (port: number) => `  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream backend { server 127.0.0.1:${backend.port}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 300s;
    }
  }`;
  const nginx = await startNginx(nginxConfig);
  const nginx2 = await startNginx(nginxConfig, 2);
  try {
    // Each target with its proxy's processes, whose CPU per echo is reported.
    // The backend's process is Portico's own copy for the whole Portico with fronts.
    const targets: Target[] = [
      { name: 'backend direct', port: backend.port, proxy: () => [], backendPid: backend.child.pid! },
      { name: 'portico forwarder', port: portico.port, proxy: () => [portico.child.pid!], backendPid: backend.child.pid! },
      { name: 'node relay (floor)', port: relay.port, proxy: () => [relay.child.pid!], backendPid: backend.child.pid! },
      ...(nginx ? [{ name: 'nginx (1 worker)', port: nginx.port, proxy: () => childPids(nginx.pid), backendPid: backend.child.pid! }] : []),
      { name: 'portico, 2 fronts', port: fronts.port, proxy: () => [fronts.child.pid!, ...frontPids], backendPid: frontsBackend! },
      ...(nginx2 ? [{ name: 'nginx (2 workers)', port: nginx2.port, proxy: () => childPids(nginx2.pid), backendPid: backend.child.pid! }] : []),
    ];
    // What each proxy is held against: Portico's forwarder and the bare relay against one nginx worker, its two fronts against two.
    const peer = new Map<string, string>([['portico forwarder', 'nginx (1 worker)'], ['node relay (floor)', 'nginx (1 worker)'], ['portico, 2 fronts', 'nginx (2 workers)']]);
    const loadBefore = loadavg()[0]!;
    // Warm-up: every target, both sizes, one second each.
    for (const { port } of targets) {
      await runDriver(port, 1, SMALL);
      await runDriver(port, 1, LARGE);
    }
    // Rounds interleave the targets (in turn forwards and backwards), so a change in what else the
    // machine runs falls on all of them alike; every ratio is taken within a round.
    const results = new Map<string, ModeResult[][]>(targets.map((t) => [t.name, MODES.map(() => [])]));
    for (let round = 0; round < rounds; round++) {
      for (const [m, mode] of MODES.entries()) {
        for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
          const result = await runDriver(target.port, seconds, mode.size, { inFlight: mode.inFlight, backend: [target.backendPid], proxy: [...target.proxy()] });
          results.get(target.name)![m]!.push(result);
        }
      }
    }
    const rate = (mode: Mode, r: ModeResult): number => (mode.unit === 'MiB/s' ? (r.echoes * mode.size) / r.seconds / 2 ** 20 : r.echoes / r.seconds);
    const ratio = (name: string, base: string | undefined, m: number): string => {
      const ours = results.get(name)![m]!;
      const theirs = base === undefined ? undefined : results.get(base)?.[m];
      if (theirs === undefined) return '-';
      return median(ours.map((r, i) => rate(MODES[m]!, r) / rate(MODES[m]!, theirs[i]!))).toFixed(2);
    };
    console.log(`ws echo, ${CONNECTIONS} connections, ${rounds} rounds of ${seconds} s per mode and target, ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after; medians over the rounds, ratios within each round`);
    for (const [m, mode] of MODES.entries()) {
      console.log(`\n${mode.label}: ${mode.unit}  × direct  × nginx   CPU µs per echo, proxy (user + kernel) / backend   proxy wake-ups per echo`);
      for (const target of targets) {
        const runs = results.get(target.name)![m]!;
        const errors = runs.reduce((n, r) => n + r.errors, 0);
        const user = median(runs.map((r) => r.proxyUserUs));
        const system = median(runs.map((r) => r.proxySystemUs));
        const direct = target.name === 'backend direct';
        const proxyCpu = direct ? '-' : `${median(runs.map((r) => r.proxyUserUs + r.proxySystemUs)).toFixed(1)} (${user.toFixed(1)} + ${system.toFixed(1)})`;
        const proxyWakeUps = direct ? '-' : median(runs.map((r) => r.proxyWakeUps)).toFixed(2);
        console.log(
          `  ${target.name.padEnd(18)} ${median(runs.map((r) => rate(mode, r))).toFixed(0).padStart(8)}  ${ratio(target.name, 'backend direct', m).padStart(8)}  ${ratio(target.name, peer.get(target.name), m).padStart(7)}   ${proxyCpu.padStart(20)} / ${median(runs.map((r) => r.backendCpuUs)).toFixed(1).padEnd(6)} ${proxyWakeUps.padStart(6)}${runs[0]!.proxyEachUs.length > 1 ? `   per process ${runs[0]!.proxyEachUs.map((_, p) => median(runs.map((r) => r.proxyEachUs[p]!)).toFixed(1)).join(' / ')}` : ''}${errors ? `   (${errors} client errors)` : ''}`,
        );
      }
    }
  } finally {
    for (const c of [backend, portico, relay, fronts]) c.child.kill('SIGTERM');
    await nginx?.stop();
    await nginx2?.stop();
  }
}
