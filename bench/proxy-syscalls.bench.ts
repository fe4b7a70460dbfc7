// System calls per request: Portico (one process) against nginx (one worker) and the two Node
// floors (the bare relay and the parsing relay, support/), same backend, same load. Half of what a small request costs Portico is kernel time, and
// a system call costs the same on any machine while its time does not: counts, unlike timings,
// hold on a shared, noisy machine, so a change to how Portico reads and writes shows here
// exactly. Each proxy is warmed with wrk, then traced (strace -c -f, every thread) while wrk
// sends its requests; the calls counted are divided by wrk's requests. strace slows the traced
// process, so throughput here means nothing; only the counts are printed.
//
//   pnpm bench:syscalls [seconds]   (default 3; Linux, wrk, strace)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '@portico/portico';
import { bareRelay } from './support/bareRelay.ts';
import { parsingRelay } from './support/parsingRelay.ts';
import { listenAndReport, startRole } from './support/roleProcess.ts';
import { proxyPassTo, startNginx } from './support/startNginx.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';
import { runWrk } from './support/wrk.ts';
import { benchConfigPlace } from './support/benchConfigPlace.ts';

const BACKEND = new URL('./fixtures/raw-backend.mjs', import.meta.url);
const role = process.argv[2];

if (role === 'portico') {
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], fronts: 1, apps: [{ name: 'bench', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    benchConfigPlace(),
  );
  const { portico, port } = await startPorticoReady(config);
  process.stdout.write(`${port}\n`);
  process.on('SIGTERM', () => void portico.stop().then(() => process.exit(0)));
} else if (role === 'node-relay') {
  await listenAndReport(bareRelay(Number(process.argv[3])));
} else if (role === 'parsing-relay') {
  await listenAndReport(parsingRelay(Number(process.argv[3])));
} else {
  await main(Number(process.argv[2] ?? 3));
}

/** strace's summary table: calls by system call name. */
function readStrace(out: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m && m[2] !== 'total') calls.set(m[2]!, Number(m[1]));
  }
  return calls;
}

async function traced(pid: number, port: number, seconds: number): Promise<{ requests: number; calls: Map<string, number> }> {
  const strace = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  strace.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const run = runWrk(port, { seconds, connections: 10 });
  strace.kill('SIGINT');
  await once(strace, 'exit');
  return { requests: run.requests, calls: readStrace(out) };
}

async function main(seconds: number): Promise<void> {
  const backend = await startRole(BACKEND, ['--report-port']);
  const nginx = await startNginx(proxyPassTo(backend.port), 1);
  const relay = await startRole(new URL(import.meta.url), ['node-relay', String(backend.port)]);
  const parsing = await startRole(new URL(import.meta.url), ['parsing-relay', String(backend.port)]);
  const portico = await startRole(new URL(import.meta.url), ['portico']);
  const nginxWorker = nginx === undefined ? undefined : Number(readFileSync(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8').trim().split(' ')[0]);
  const targets: Array<[string, number, number]> = [['portico', portico.child.pid!, portico.port], ['node relay', relay.child.pid!, relay.port], ['parsing relay', parsing.child.pid!, parsing.port]];
  if (nginx && nginxWorker) targets.push(['nginx', nginxWorker, nginx.port]);
  const results = new Map<string, { requests: number; calls: Map<string, number> }>();
  try {
    for (const [name, pid, port] of targets) {
      runWrk(port, { seconds: 1, connections: 10 });
      results.set(name, await traced(pid, port, seconds));
    }
  } finally {
    for (const child of [backend.child, relay.child, parsing.child, portico.child]) child.kill('SIGTERM');
    await nginx?.stop();
  }
  const names = new Set<string>();
  for (const { calls } of results.values()) for (const name of calls.keys()) names.add(name);
  const perRequest = (name: string, call?: string) => {
    const { requests, calls } = results.get(name)!;
    const count = call === undefined ? [...calls.values()].reduce((a, b) => a + b, 0) : calls.get(call) ?? 0;
    return count / requests;
  };
  const columns = [...results.keys()];
  process.stdout.write(`system calls per request (wrk, 10 connections, ${seconds} s traced)\n`);
  process.stdout.write(`${'call'.padEnd(20)}${columns.map((c) => c.padStart(14)).join('')}\n`);
  const rows = [...names].filter((call) => columns.some((c) => perRequest(c, call) >= 0.01)).sort((a, b) => perRequest(columns[0]!, b) - perRequest(columns[0]!, a));
  for (const call of rows) process.stdout.write(`${call.padEnd(20)}${columns.map((c) => perRequest(c, call).toFixed(2).padStart(14)).join('')}\n`);
  process.stdout.write(`${'total'.padEnd(20)}${columns.map((c) => perRequest(c).toFixed(2).padStart(14)).join('')}\n`);
}
