// What reading each worker's CPU, memory and file descriptors from /proc costs Portico: its own CPU
// per second with WORKERS workers sampled every INTERVAL seconds, against the same workers not
// sampled, in one run (baseline and sampled windows alternate, twice each, so a busy machine's
// swings fall on both). The workers are tiny perl listeners, so 100 of them fit on a small machine;
// a node or gunicorn worker has more threads, whose children files are read too (docs/worker.md).
// Printed: CPU ms per second of each, the ratio, the cost of one sample of every worker, and what
// that costs at the default sampleInterval (5 s), in percent of one core.
//
//   node --import tsx bench/resource-sampling.bench.ts     (WORKERS=100 INTERVAL=0.25 WINDOW_S=3)
import { performance } from 'node:perf_hooks';
import { createNodeProcessHost, defaultSampleInterval, WorkerPool } from '@portico/worker-actor';

const workers = Number(process.env.WORKERS ?? 100);
const interval = Number(process.env.INTERVAL ?? 0.25);
const windowMs = Number(process.env.WINDOW_S ?? 3) * 1000;

if (process.platform !== 'linux') {
  console.log('resource sampling reads /proc, which this system does not have: nothing to measure');
  process.exit(0);
}

const realHost = createNodeProcessHost();
let reads = 0;
// Counts the reads, so the cost can be put per sample; nothing else of the host changes.
const host = { ...realHost, usage: (pid: number) => (reads++, realHost.usage!(pid)) };
// Listens (the TCP readiness probe connects to its backlog) and sleeps: nearly nothing of its own.
const listener = 'use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ENV{PORT}, Listen => 64, ReuseAddr => 1) or die "listen: $!"; sleep 1e9';
const pool = new WorkerPool({
  worker: { app: 'bench', processPath: 'perl', arguments: ['-e', listener], host, startupTimeLimit: 120, shutdownTimeLimit: 2 },
  processesPerApplication: workers,
  sampleInterval: 0,
});

await new Promise<void>((resolve) => {
  const check = () => pool.ready.length === workers && resolve();
  pool.onChange(check);
  void pool.start();
});
console.log(`${workers} workers ready`);

/** Portico's own CPU (this process: user and system) per second of wall time, over one window. */
async function cpuPerSecond(): Promise<number> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / ((performance.now() - start) / 1000);
}

const baseline: number[] = [];
const sampled: number[] = [];
let sampleCount = 0;
for (let round = 0; round < 2; round++) {
  pool.setSampleInterval(0);
  baseline.push(await cpuPerSecond());
  pool.setSampleInterval(interval);
  const before = reads;
  sampled.push(await cpuPerSecond());
  sampleCount += (reads - before) / workers;
}
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const base = mean(baseline);
const withSampling = mean(sampled);
const perSampleMs = ((withSampling - base) * (sampled.length * windowMs)) / 1000 / Math.max(1, sampleCount);
const atDefault = (perSampleMs / (defaultSampleInterval * 1000)) * 100;
console.table([
  { what: 'not sampled (baseline)', 'CPU ms/s': base.toFixed(2), ratio: '1.00' },
  { what: `sampled every ${interval} s`, 'CPU ms/s': withSampling.toFixed(2), ratio: (withSampling / Math.max(base, 0.001)).toFixed(2) },
]);
const figures = pool.status().find((w) => w.resources !== undefined)?.resources;
console.log(`one sample of ${workers} workers: ${perSampleMs.toFixed(2)} ms of CPU (${((perSampleMs / workers) * 1000).toFixed(0)} µs per worker); ` +
  `every ${defaultSampleInterval} s (the default) that is ${atDefault.toFixed(3)} % of one core`);
console.log(`a worker as sampled: ${JSON.stringify(figures)}`);
await pool.close();
await realHost.close?.();
