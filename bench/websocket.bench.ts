// WebSocket echo throughput, in one run: a `ws` echo backend directly; through Portico's forwarder
// alone; through nginx (one worker, the Upgrade/Connection proxy headers) when nginx is
// installed; and through Portico whole with two front processes against nginx with two workers. A driver process opens 50 client connections to each target and echoes for S
// seconds in three modes: 64-byte messages with one in flight per connection (the next is sent on
// each echo), 64-byte messages with 16 in flight, and 64 KiB messages with one in flight (MiB/s of
// echoed payload, each byte crossing the proxy twice). Each component runs in its own process, as
// in production, and the ratios are to the direct backend measured in the same run. The run also
// prints the CPU the backend and the proxy (nginx: its worker) used per echo in each mode, over
// the driver's whole run (its 50 handshakes included, a small share of a run of seconds).
// Run (after tsc -b): node --import tsx bench/websocket.bench.ts [seconds]
import { cpus } from 'node:os';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { createForwarder } from '@portico/router';
import { WebSocket } from 'ws';
import { childPids, cpuMs } from './support/processCpu.ts';
import { listenAndReport, runRole, startRole } from './support/roleProcess.ts';
import { startNginx } from './support/startNginx.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';

/** The echo backend every target stands in front of. */
const BACKEND = new URL('./fixtures/ws-echo-backend.mjs', import.meta.url);
const CONNECTIONS = 50;
const SMALL = 64;
const LARGE = 64 * 1024;
/** Small messages in flight per connection in the pipelined mode: enough to keep every process busy. */
const PIPELINED = 16;

const role = process.argv[2];
// Exit cleanly on SIGINT so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));

if (role === 'portico-fronts') {
  // Portico whole with two front processes, supervising its own copy of the echo backend.
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], fronts: 2, apps: [{ name: 'echo', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    { file: join(tmpdir(), 'portico-ws-bench.json'), baseDir: tmpdir() },
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
  /** Microseconds of CPU per echo: the backend's process, and the proxy's (nginx: its worker). */
  backendCpuUs: number;
  proxyCpuUs: number;
}

/**
 * Runs the driver in its own process, so it does not share a CPU with the backend or proxy, and
 * counts the CPU the backend and the proxy used meanwhile.
 */
async function runDriver(port: number, seconds: number, size: number, options: { inFlight?: number; backend?: number[]; proxy?: number[] } = {}): Promise<ModeResult> {
  const { inFlight = 1, backend = [], proxy = [] } = options;
  const backendBefore = cpuMs(backend);
  const proxyBefore = cpuMs(proxy);
  const result = JSON.parse(await runRole(new URL(import.meta.url), ['driver', String(port), String(seconds), String(size), String(inFlight)])) as DriveResult;
  const perEcho = (ms: number): number => (ms * 1000) / Math.max(result.echoes, 1);
  return { ...result, backendCpuUs: perEcho(cpuMs(backend) - backendBefore), proxyCpuUs: perEcho(cpuMs(proxy) - proxyBefore) };
}


async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const start = (args: string[]) => startRole(new URL(import.meta.url), args);
  const backend = await startRole(BACKEND, ['--report-port']);
  const portico = await start(['portico', String(backend.port)]);
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
    const targets: Array<[string, number, number[], number]> = [
      ['backend direct', backend.port, [], backend.child.pid!],
      ['portico forwarder', portico.port, [portico.child.pid!], backend.child.pid!],
      ...(nginx ? [['nginx (1 worker)', nginx.port, childPids(nginx.pid), backend.child.pid!] as [string, number, number[], number]] : []),
      ['portico, 2 fronts', fronts.port, [fronts.child.pid!, ...frontPids], frontsBackend!],
      ...(nginx2 ? [['nginx (2 workers)', nginx2.port, childPids(nginx2.pid), backend.child.pid!] as [string, number, number[], number]] : []),
    ];
    // Warm-up: every target, both sizes, one second each.
    for (const [, port] of targets) {
      await runDriver(port, 1, SMALL);
      await runDriver(port, 1, LARGE);
    }
    const rows: Array<{ name: string; msgs: number; pipelined: number; mib: number; errors: number; modes: ModeResult[] }> = [];
    for (const [name, port, proxy, backendPid] of targets) {
      const counted = { backend: [backendPid], proxy };
      const small = await runDriver(port, seconds, SMALL, counted);
      const pipelined = await runDriver(port, seconds, SMALL, { ...counted, inFlight: PIPELINED });
      const large = await runDriver(port, seconds, LARGE, counted);
      rows.push({
        name,
        msgs: small.echoes / small.seconds,
        pipelined: pipelined.echoes / pipelined.seconds,
        mib: (large.echoes * LARGE) / large.seconds / 2 ** 20,
        errors: small.errors + pipelined.errors + large.errors,
        modes: [small, pipelined, large],
      });
    }
    const direct = rows[0]!;
    const ratio = (value: number, base: number): string => (value / base).toFixed(2).padStart(8);
    console.log(`ws echo, ${CONNECTIONS} connections, ${seconds} s per mode, ${process.version}, ${cpus().length} CPUs`);
    console.log(`target             msgs/s (64 B, 1 in flight)  × direct  msgs/s (64 B, ${PIPELINED} in flight)  × direct  MiB/s (64 KiB, 1 in flight)  × direct`);
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(18)} ${r.msgs.toFixed(0).padStart(26)}  ${ratio(r.msgs, direct.msgs)}  ${r.pipelined.toFixed(0).padStart(27)}  ${ratio(r.pipelined, direct.pipelined)}  ${r.mib.toFixed(0).padStart(27)}  ${ratio(r.mib, direct.mib)}${r.errors ? `   (${r.errors} client errors)` : ''}`,
      );
    }
    // Where the time goes: every process shares the machine's cores, so what a proxy spends per
    // echo is time the driver and the backend do not get.
    console.log('CPU µs per echo (backend / proxy)  64 B, 1 in flight   64 B, 16 in flight   64 KiB, 1 in flight');
    for (const r of rows) {
      const cell = (m: ModeResult): string => `${m.backendCpuUs.toFixed(1)} / ${r === direct ? '-' : m.proxyCpuUs.toFixed(1)}`.padStart(19);
      console.log(`${r.name.padEnd(33)} ${r.modes.map(cell).join('  ')}`);
    }
  } finally {
    for (const c of [backend, portico, fronts]) c.child.kill('SIGTERM');
    await nginx?.stop();
    await nginx2?.stop();
  }
}
