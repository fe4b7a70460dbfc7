// Throughput and latency against the backend alone, in one run, with wrk (50 connections, a small
// GET): a trivial node:http backend directly; through Portico whole (config, router,
// authentication-free app, worker pool with its own backend process of the same code); through
// Portico's forwarder alone; through node's http-proxy with a keep-alive agent; through a minimal
// node:http proxy; through a bare TCP relay in Node that parses nothing (support/bareRelay.ts, the
// floor any Node proxy stands on, the same in every bench); and through nginx (one worker,
// upstream keep-alive) when nginx is installed. Each runs in its own process, as in production,
// and the ratios are to the direct backend and to nginx.
// Every proxy does the same job: the backend gets the same header names from each (Portico's
// X-Forwarded-For/-Proto/-Host/-Port, X-Request-Id and pairing token, set by nginx with
// proxy_set_header and by http-proxy with xfwd). The run prints the names and stops if two
// proxies differ in more than Connection, which each handles as its keep-alive needs.
// Targets are measured in interleaved rounds (every target once per round), so drift in the
// machine's load falls on all targets alike, and each figure in a row (req/s, p50, p90, p99, CPU)
// is its own median over the rounds, so one disturbed round cannot set it. Each row also gives
// the CPU time (user and system) the target's own process used per request: for a proxy its
// process alone (nginx: its worker), not the backend's nor wrk's. It is the target's own cost,
// though it too rises when the machine is busy or the load is light.
// Two phases. At saturation each connection sends its next request as soon as the answer comes:
// the throughput ratios. There every request waits its turn in the busiest process, so p50 and
// p99 mostly restate req/s; so a second phase paces every connection (a 2 ms wait after each
// answer, bench/fixtures/paced.lua) and compares latency under about the same load, on the
// targets that carry it below saturation.
// Run (after tsc -b): node --import tsx bench/proxy.bench.ts [seconds per round] [rounds]
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import { createForwarder } from '@portico/router';
import { resolveConfig } from '@portico/portico';
import httpProxy from 'http-proxy';
import { bareRelay } from './support/bareRelay.ts';
import { childPids, cpuMs } from './support/processCpu.ts';
import { listenAndReport, startRole } from './support/roleProcess.ts';
import { proxyPassTo, startNginx } from './support/startNginx.ts';
import { runWrk } from './support/wrk.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';
import { benchConfigPlace } from './support/benchConfigPlace.ts';

/** The trivial backend every target stands in front of. */
const BACKEND = new URL('./fixtures/proxy-backend.mjs', import.meta.url);
const role = process.argv[2];
// Exit cleanly on SIGINT so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));

if (role === 'portico') {
  const port = Number(process.argv[3]);
  const forwarder = createForwarder({ pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port }, token: 't' }) });
  await listenAndReport(net.createServer({ allowHalfOpen: true }, (s) => forwarder.handleConnection(s)));
} else if (role === 'portico-full') {
  // The same trivial backend, started and supervised by Portico's own pool.
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], apps: [{ name: 'bench', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    benchConfigPlace(),
  );
  const { portico, port } = await startPorticoReady(config, 'warn');
  process.stdout.write(`${port}\n`);
  process.on('SIGTERM', () => void portico.stop().then(() => process.exit(0)));
} else if (role === 'http-proxy') {
  const port = Number(process.argv[3]);
  const proxy = httpProxy.createProxyServer({
    target: `http://127.0.0.1:${port}`,
    agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    xfwd: true,
    headers: { 'x-portico-token': 't' },
  });
  proxy.on('proxyReq', (proxyReq) => proxyReq.setHeader('x-request-id', randomUUID()));
  proxy.on('error', (_err, _req, res) => (res as http.ServerResponse).destroy());
  await listenAndReport(http.createServer((req, res) => proxy.web(req, res)));
} else if (role === 'node-http-proxy') {
  const port = Number(process.argv[3]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  await listenAndReport(http.createServer((req, res) => {
    const { remoteAddress, localPort } = req.socket;
    const headers = {
      ...req.headers,
      'x-forwarded-for': remoteAddress ?? 'unknown',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': req.headers.host,
      'x-forwarded-port': String(localPort),
      'x-request-id': randomUUID(),
      'x-portico-token': 't',
    };
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }));
} else if (role === 'node-relay') {
  // The floor every bench measures the same way: support/bareRelay.ts, as bench:websocket and
  // bench:proxy-cores run it.
  await listenAndReport(bareRelay(Number(process.argv[3])));
} else {
  await main();
}

interface WrkResult {
  rps: number;
  /** Latency percentiles, each in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  /** Microseconds of CPU the target's processes used per request. */
  cpuUs: number;
}

/** Runs wrk against `port`; with `paced`, each connection waits between requests (PACED). */
function wrk(port: number, seconds: number, pids: readonly number[], paced = false): WrkResult {
  const cpuBefore = cpuMs(pids);
  const run = runWrk(port, { seconds, paced });
  const cpu = cpuMs(pids) - cpuBefore;
  return { rps: run.rps, p50: run.p50, p90: run.p90, p99: run.p99, cpuUs: (cpu * 1000) / run.requests };
}

/** Each figure's median over the rounds, taken on its own (the upper middle for an even count). */
function median(results: readonly WrkResult[]): WrkResult {
  const middle = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    rps: middle(results.map((r) => r.rps)),
    p50: middle(results.map((r) => r.p50)),
    p90: middle(results.map((r) => r.p90)),
    p99: middle(results.map((r) => r.p99)),
    cpuUs: middle(results.map((r) => r.cpuUs)),
  };
}

/** A target: its name, its port and the processes whose CPU is its own. */
interface Target {
  readonly name: string;
  readonly port: number;
  readonly pids: readonly number[];
  /** An HTTP proxy, which must send the backend the same fields as every other. */
  readonly proxy: boolean;
  /** It carries the paced load below saturation. */
  readonly paced: boolean;
}

/** Every target once per round, `rounds` times, then each target's medians, in the targets' order. */
function measureRounds(targets: readonly Target[], seconds: number, rounds: number, paced: boolean): WrkResult[] {
  const runs: WrkResult[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) targets.forEach((t, i) => runs[i]!.push(wrk(t.port, seconds, t.pids, paced)));
  return runs.map(median);
}

function ms(value: number): string {
  return `${value.toFixed(2)}ms`;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 5);
  const start = (args: string[]) => startRole(new URL(import.meta.url), args);
  const backend = await startRole(BACKEND, ['--report-port']);
  const full = await start(['portico-full']);
  const portico = await start(['portico', String(backend.port)]);
  const httpProxyProcess = await start(['http-proxy', String(backend.port)]);
  const nodeProxy = await start(['node-http-proxy', String(backend.port)]);
  const relay = await start(['node-relay', String(backend.port)]);
  const nginx = await startNginx(proxyPassTo(backend.port));
  try {
    const targets: Target[] = [
      { name: 'backend direct', port: backend.port, pids: [backend.child.pid!], proxy: false, paced: true },
      { name: 'portico (whole)', port: full.port, pids: [full.child.pid!], proxy: true, paced: true },
      { name: 'portico forwarder', port: portico.port, pids: [portico.child.pid!], proxy: true, paced: true },
      // The node:http proxies saturate below the paced load (7 000–11 000 req/s here).
      { name: 'http-proxy', port: httpProxyProcess.port, pids: [httpProxyProcess.child.pid!], proxy: true, paced: false },
      { name: 'node:http proxy', port: nodeProxy.port, pids: [nodeProxy.child.pid!], proxy: true, paced: false },
      // Bytes copied as they come: the backend sees the client's fields only.
      { name: 'tcp relay (floor)', port: relay.port, pids: [relay.child.pid!], proxy: false, paced: true },
      ...(nginx ? [{ name: 'nginx (1 worker)', port: nginx.port, pids: childPids(nginx.pid), proxy: true, paced: true }] : []),
    ];
    // The same job for every proxy: the header names each one hands the backend.
    let job: string | undefined;
    for (const { name, port, proxy } of targets) {
      const fields = await (await fetch(`http://127.0.0.1:${port}/fields`)).text();
      console.log(`${name.padEnd(18)} sends ${fields}`);
      if (!proxy) continue;
      const proxied = fields.split(' ').filter((f) => f !== 'connection').join(' ');
      if (job !== undefined && proxied !== job) throw new Error(`${name} does not send the backend the same fields as the proxies before it`);
      job = proxied;
    }
    for (const { port, pids } of targets) wrk(port, 2, pids);

    const saturated = measureRounds(targets, seconds, rounds, false);
    const direct = saturated[0]!.rps;
    const nginxIndex = targets.findIndex((t) => t.name.startsWith('nginx'));
    const httpProxyRps = saturated[targets.findIndex((t) => t.name === 'http-proxy')]!.rps;
    console.log(`\nSaturation: wrk -t1 -c50 -d${seconds}s × ${rounds} interleaved rounds (medians), ${process.version}, ${cpus().length} CPUs`);
    console.log('target               req/s      p50       p99   × direct  × nginx  × http-proxy  cpu µs/req');
    targets.forEach(({ name }, i) => {
      const r = saturated[i]!;
      const vsNginx = nginxIndex >= 0 ? (r.rps / saturated[nginxIndex]!.rps).toFixed(2) : '-';
      console.log(
        `${name.padEnd(18)} ${r.rps.toFixed(0).padStart(7)}  ${ms(r.p50).padStart(8)}  ${ms(r.p99).padStart(8)}   ${(r.rps / direct).toFixed(2).padStart(6)}  ${vsNginx.padStart(7)}  ${(r.rps / httpProxyRps).toFixed(2).padStart(11)}  ${r.cpuUs.toFixed(1).padStart(10)}`,
      );
    });

    const pacedTargets = targets.filter((t) => t.paced);
    const paced = measureRounds(pacedTargets, seconds, rounds, true);
    const nginxPaced = paced[pacedTargets.findIndex((t) => t.name.startsWith('nginx'))];
    console.log(`\nEqual load: the same wrk, each connection waiting 2 ms after every answer (bench/fixtures/paced.lua), × ${rounds} interleaved rounds (medians)`);
    console.log('target               req/s      p50       p90       p99   p99 × nginx  cpu µs/req');
    pacedTargets.forEach(({ name }, i) => {
      const r = paced[i]!;
      const vsNginx = nginxPaced ? (r.p99 / nginxPaced.p99).toFixed(2) : '-';
      console.log(
        `${name.padEnd(18)} ${r.rps.toFixed(0).padStart(7)}  ${ms(r.p50).padStart(8)}  ${ms(r.p90).padStart(8)}  ${ms(r.p99).padStart(8)}  ${vsNginx.padStart(11)}  ${r.cpuUs.toFixed(1).padStart(10)}`,
      );
    });
  } finally {
    for (const c of [backend, full, portico, httpProxyProcess, nodeProxy, relay]) c.child.kill();
    await nginx?.stop();
  }
}
