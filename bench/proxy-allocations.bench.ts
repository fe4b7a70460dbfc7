// Bytes allocated per request, by where: Portico (one process, run here) under wrk's bare GETs,
// through V8's sampling heap profiler with the objects the young and old collections freed
// counted too (a request's objects are nearly all short-lived: the profiler would otherwise see
// none of them). Each row is where the bytes were allocated, and the Portico function whose call
// led there (the first frame of Portico's own packages on the stack), so that what Node allocates
// for a write or a timer is charged to the line of Portico that asked for it. Sampling is
// statistical (one sample every 256 bytes on average); a row of a few bytes a request is noise.
//
//   pnpm bench:allocations [seconds] [rows]   (default 10 s sampled, 40 rows; Linux, wrk)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Session } from 'node:inspector/promises';
import { resolveConfig } from '@portico/portico';
import { startPorticoReady } from './support/startPorticoReady.ts';
import { readWrk, type WrkRun } from './support/wrk.ts';
import { benchConfigPlace } from './support/benchConfigPlace.ts';

const BACKEND = new URL('./fixtures/raw-backend.mjs', import.meta.url);
/** Seconds of load before sampling starts: V8 has optimised the path (and so inlined what it will). */
const WARM_SECONDS = 8;

interface SampledNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SampledNode[];
}

const seconds = Number(process.argv[2] ?? 10);
const rows = Number(process.argv[3] ?? 40);

const config = resolveConfig(
  { listen: [{ port: 0, host: '127.0.0.1' }], fronts: 1, apps: [{ name: 'bench', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
  benchConfigPlace(),
);
const { portico, port } = await startPorticoReady(config);
const session = new Session();
session.connect();
try {
  await wrk(port, WARM_SECONDS);
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const run = await wrk(port, seconds);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  print(profile.head as SampledNode, run);
} finally {
  session.disconnect();
  await portico.stop();
}

/** wrk, run without blocking this process's event loop (Portico serves in it). */
async function wrk(target: number, duration: number): Promise<WrkRun> {
  const child = spawn('wrk', ['-t1', '-c10', `-d${duration}s`, '--latency', `http://127.0.0.1:${target}/`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'exit');
  return readWrk(out);
}

function frameName(node: SampledNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\/\/\S*?\/(packages|bench)\//, '$1/').replace(/\/dist\/src\//, '/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function print(head: SampledNode, run: WrkRun): void {
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: SampledNode, caller: string | undefined): void => {
    const name = frameName(node);
    const ours = node.callFrame.url.includes('/packages/') ? name : caller;
    if (node.selfSize > 0) {
      const site = ours === undefined || ours === name ? name : `${name}  ← ${ours}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child, ours);
  };
  walk(head, undefined);
  process.stdout.write(`bytes allocated per request (sampled; wrk, 10 connections, ${seconds} s after ${WARM_SECONDS} s of warming; ${process.version})\n`);
  process.stdout.write(`${run.requests} requests, ${(total / run.requests).toFixed(0)} bytes a request\n\n`);
  const sorted = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, rows);
  for (const [site, bytes] of sorted) process.stdout.write(`${(bytes / run.requests).toFixed(0).padStart(8)}  ${site}\n`);
}
