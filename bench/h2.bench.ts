// HTTP/2 at the front, in one run: h2load (Debian's nghttp2-client) against Portico (listener and
// forwarder, h2c with prior knowledge) and against nginx with `http2` (one worker, upstream
// keep-alive, the same headers set for the backend), both in front of the same node:http backend.
// Two loads: small GETs with many streams per connection, and a 1 MiB download. Rounds are
// interleaved so drift in the machine's load falls on both; each figure is the median of its
// rounds. The run also prints each proxy's CPU per request (nginx: its worker), from /proc.
// Run: pnpm bench:h2 [seconds] [rounds]. H2_CPU_PROF=<dir> writes a --cpu-prof profile of
// Portico's process there, for "where the time goes".
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import http from 'node:http';
import { promisify } from 'node:util';
import { createListener } from '@portico/listener';
import { createForwarder } from '@portico/router';
import { childPids, cpuMs } from './support/processCpu.ts';
import { listenAndReport, startRole } from './support/roleProcess.ts';
import { startNginx } from './support/startNginx.ts';

const run = promisify(execFile);
// Module constants are read by main(), which the role dispatch below awaits: they come first.
const SMALL_BODY = Buffer.from('hello, world\n');
const LARGE_BODY = Buffer.alloc(1024 * 1024, 0x61);

/** Each load: its path, h2load's clients and streams per client. */
const LOADS = [
  { name: 'small GET, 10 connections × 32 streams', path: '/small', clients: 10, streams: 32 },
  { name: '1 MiB download, 4 connections × 4 streams', path: '/large', clients: 4, streams: 4 },
] as const;

const role = process.argv[2];
// Exit cleanly on SIGINT so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));

if (role === 'backend') {
  const server = http.createServer((req, res) => {
    const body = req.url === '/large' ? LARGE_BODY : SMALL_BODY;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await listenAndReport(server);
} else if (role === 'portico') {
  const port = Number(process.argv[3]);
  // Idle backend connections kept above the 320 streams in flight, as nginx's keepalive below.
  const forwarder = createForwarder({ maxIdlePerUpstream: 512, pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port }, token: 'bench-token' }) });
  const listener = createListener({ entries: [{ port: 0, host: '127.0.0.1', h2c: true }], handler: () => forwarder });
  const [bound] = await listener.start();
  process.stdout.write(`${bound!.port}\n`);
} else {
  await main();
}

interface H2loadResult {
  readonly rps: number;
  readonly mibps: number;
  readonly succeeded: number;
  readonly failed: number;
}

/** One h2load run of `seconds` against `port`, with h2load's own one-second warm-up. */
async function h2load(port: number, load: (typeof LOADS)[number], seconds: number): Promise<H2loadResult> {
  const { stdout } = await run('h2load', ['-c', String(load.clients), '-m', String(load.streams), '-t', '1', '-D', String(seconds), '--warm-up-time', '1', `http://127.0.0.1:${port}${load.path}`], { maxBuffer: 16 * 1024 * 1024 });
  const finished = /finished in [\d.]+s, ([\d.]+) req\/s, ([\d.]+)([KMG]?B)\/s/.exec(stdout);
  const requests = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(stdout);
  if (!finished || !requests) throw new Error(`h2load said:\n${stdout}`);
  const unit = { B: 1 / 2 ** 20, KB: 1 / 1024, MB: 1, GB: 1024 }[finished[3]!] ?? 1;
  return { rps: Number(finished[1]), mibps: Number(finished[2]) * unit, succeeded: Number(requests[1]), failed: Number(requests[2]) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  const profileDir = process.env['H2_CPU_PROF'];
  const backend = await startRole(new URL(import.meta.url), ['backend']);
  const portico = await startRole(new URL(import.meta.url), ['portico', String(backend.port)], profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {});
  // The headers Portico sets for the backend, set by nginx too, so both backends parse the same fields.
  const nginx = await startNginx((port) => `  upstream backend { server 127.0.0.1:${backend.port}; keepalive 512; }
  server {
    listen 127.0.0.1:${port} http2;
    keepalive_requests 10000000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Portico-Token bench-token;
    }
  }`);
  if (nginx === undefined) throw new Error('nginx is not installed or did not start: the baseline is missing');
  try {
    const targets = [
      { name: 'portico', port: portico.port, pids: [portico.child.pid!] },
      { name: 'nginx (1 worker)', port: nginx.port, pids: childPids(nginx.pid) },
    ];
    const results = new Map<string, Array<H2loadResult & { cpuUs: number }>>();
    for (let round = 0; round < rounds; round++) {
      for (const load of LOADS) {
        for (const target of targets) {
          const before = cpuMs(target.pids);
          const result = await h2load(target.port, load, seconds);
          const cpuUs = ((cpuMs(target.pids) - before) * 1000) / Math.max(result.succeeded, 1);
          const key = `${load.name}|${target.name}`;
          results.set(key, [...(results.get(key) ?? []), { ...result, cpuUs }]);
        }
      }
    }
    console.log(`h2load -t1, ${seconds} s per run, ${rounds} interleaved rounds (medians), h2c prior knowledge, ${process.version}, ${cpus().length} CPUs`);
    for (const load of LOADS) {
      console.log(`\n${load.name}`);
      console.log('target              req/s    MiB/s   × nginx   CPU µs per request   failed');
      const of = (target: string) => results.get(`${load.name}|${target}`)!;
      const baseline = median(of('nginx (1 worker)').map((r) => r.rps));
      for (const target of targets) {
        const runs = of(target.name);
        const rps = median(runs.map((r) => r.rps));
        console.log(
          `${target.name.padEnd(17)} ${rps.toFixed(0).padStart(8)} ${median(runs.map((r) => r.mibps)).toFixed(0).padStart(8)}  ${(rps / baseline).toFixed(2).padStart(8)}  ${median(runs.map((r) => r.cpuUs)).toFixed(1).padStart(19)}   ${runs.reduce((n, r) => n + r.failed, 0)}`,
        );
      }
    }
  } finally {
    portico.child.kill('SIGINT');
    backend.child.kill();
    await nginx.stop();
  }
}
