// Portico per core and with two fronts, against nginx with as many workers (issue 21, "Every
// core"). Two runs, each with the same trivial backend:
//
// - Per core: the proxy pinned to CPU 0 with taskset, wrk and the backend on CPU 1; Portico with
//   one front (fronts: 1, the single process) against nginx with one worker; and Portico with
//   two fronts on that same core, which tells what the fronts themselves cost per request from
//   what sharing two cores with wrk and the backend costs in the next run.
// - Two fronts: Portico with fronts: 2 (a control process and two fronts) against nginx with two
//   workers, nothing pinned.
//
// Each prints requests per second, p99 latency and the CPU the proxy's processes used per
// request (Portico: the control process and its fronts; nginx: its workers), which must not grow
// with the number of fronts; and each front's share of that CPU (the shared accept queue's
// balance). Then an equal-load phase (each connection waits 2 ms after every answer,
// bench/fixtures/paced.lua) prints p50 and p99 against nginx's under about the same load.
// Every Portico process runs a GC meter (support/gcMeter.ts): each phase prints, per run, the
// young-generation collections a second, the time the processes stood in collections, the longest
// pause, and the bytes allocated per request. Two fronts run twice, with `frontGc` at its default
// (single-threaded) and at `parallel` (V8's helper threads), in the same rounds.
//
//   pnpm bench:proxy-cores [seconds] [rounds]      (default 5 s × 3 rounds; Linux, wrk, taskset)
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { GC_METER_FLAGS, startGcMeters, stopGcMeters, type GcFigures } from './support/gcFigures.ts';
import { childPids, cpuMs } from './support/processCpu.ts';
import { startRole } from './support/roleProcess.ts';
import { proxyPassTo, startNginx } from './support/startNginx.ts';
import { median, runWrk } from './support/wrk.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';

const BACKEND = new URL('./fixtures/proxy-backend.mjs', import.meta.url);
const role = process.argv[2];
process.on('SIGINT', () => process.exit(0));

if (role === 'portico') {
  // The backend, started and supervised by Portico's own pool; `fronts` front processes.
  const fronts = Number(process.argv[3]);
  const frontGc = process.argv[4] === 'parallel' ? 'parallel' : 'single-threaded';
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], fronts, frontGc, apps: [{ name: 'bench', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    { file: join(tmpdir(), 'portico-bench.json'), baseDir: tmpdir() },
  );
  const { portico, port } = await startPorticoReady(config);
  const backend = portico.status().apps[0]!.workers[0]!.pid!;
  const frontPids = (portico.status().fronts ?? []).map((f) => f.pid!);
  process.stdout.write(`${port} ${backend} ${frontPids.join(' ')}\n`);
  process.on('SIGTERM', () => void portico.stop().then(() => process.exit(0)));
} else {
  await main();
}

interface Run {
  readonly rps: number;
  /** Latency percentiles, in milliseconds. */
  readonly p50: number;
  readonly p99: number;
  /** Microseconds of CPU per request: every process of the proxy. */
  readonly cpuUs: number;
  /** Each process's share of that CPU, in percent. */
  readonly shares: readonly number[];
  /** Portico's garbage collections over all its processes (nginx: none). */
  readonly gc: GcFigures | undefined;
}

interface Target {
  readonly port: number;
  readonly pids: readonly number[];
  /** Whether its processes run the GC meter (Portico's do). */
  readonly metered: boolean;
}

async function wrk(target: Target, seconds: number, pinWrk: boolean, paced = false): Promise<Run> {
  const { pids } = target;
  const before = pids.map((p) => cpuMs([p]));
  if (target.metered) startGcMeters(pids);
  const run = runWrk(target.port, { seconds, paced, ...(pinWrk ? { cpu: 1 } : {}) });
  const used = pids.map((p, i) => cpuMs([p]) - before[i]!);
  const gc = target.metered ? await stopGcMeters(pids, run.requests) : undefined;
  const total = used.reduce((a, b) => a + b, 0);
  return { rps: run.rps, p50: run.p50, p99: run.p99, cpuUs: (total * 1000) / run.requests, shares: used.map((u) => (total > 0 ? (u * 100) / total : 0)), gc };
}

async function rounds(targets: readonly Target[], seconds: number, count: number, pinWrk: boolean, paced = false): Promise<Run[]> {
  const all = targets.map(() => [] as Run[]);
  if (!paced) for (const t of targets) await wrk(t, 1, pinWrk);
  for (let r = 0; r < count; r++) for (const [i, t] of targets.entries()) all[i]!.push(await wrk(t, seconds, pinWrk, paced));
  const gcMedian = (runs: readonly Run[], key: keyof GcFigures) => median(runs.map((x) => x.gc![key]));
  return all.map((runs) => ({
    rps: median(runs.map((x) => x.rps)),
    p50: median(runs.map((x) => x.p50)),
    p99: median(runs.map((x) => x.p99)),
    cpuUs: median(runs.map((x) => x.cpuUs)),
    shares: runs[0]!.shares.map((_, i) => median(runs.map((x) => x.shares[i]!))),
    gc:
      runs[0]!.gc === undefined
        ? undefined
        : {
            minorPerSecond: gcMedian(runs, 'minorPerSecond'),
            pauseMsPerSecond: gcMedian(runs, 'pauseMsPerSecond'),
            maxPauseMs: gcMedian(runs, 'maxPauseMs'),
            meanMinorMs: gcMedian(runs, 'meanMinorMs'),
            bytesPerRequest: gcMedian(runs, 'bytesPerRequest'),
            rss: gcMedian(runs, 'rss'),
          },
  }));
}

function ms(value: number): string {
  return `${value.toFixed(2)}ms`.padStart(7);
}

function pin(cpu: number | string, pids: readonly number[]): void {
  // Every thread of each process (libuv's pool, V8's helpers), so the whole process stays there.
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
};

async function startPortico(fronts: number, frontGc: 'single-threaded' | 'parallel' = 'single-threaded') {
  const role = await startRole(new URL(import.meta.url), ['portico', String(fronts), frontGc], { nodeFlags: GC_METER_FLAGS });
  // After the port: the backend's pid, then the fronts'.
  const [, backend, ...frontPids] = role.line.split(' ').map(Number);
  return { ...role, backend: backend!, fronts: frontPids };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const count = Number(process.argv[3] ?? 3);
  if (cpus().length < 2) throw new Error('bench:proxy-cores needs two CPUs (the proxy on one, wrk and the backend on the other)');
  // The machine's load, at the start and the end: figures from a busy machine are not comparable.
  const loadAtStart = loadavg()[0]!;
  const backend = await startRole(BACKEND, ['--report-port']);
  const one = await startPortico(1);
  const two = await startPortico(2);
  const twoParallel = await startPortico(2, 'parallel');
  const nginx1 = await startNginx(proxyPassTo(backend.port), 1);
  const nginx2 = await startNginx(proxyPassTo(backend.port), 2);
  if (!nginx1 || !nginx2) throw new Error('nginx is not installed');
  try {
    // Per core: the proxies on CPU 0; the backends (Portico's own and nginx's) and wrk on CPU 1.
    // Two fronts (and their control process) on that one core as well: what the fronts' design
    // costs per request (the channel, the control, two event loops) under the same conditions as
    // one front, apart from what sharing two cores with wrk and the backend costs below.
    pin(0, [one.child.pid!, two.child.pid!, ...two.fronts, nginx1.pid, ...childPids(nginx1.pid)]);
    pin(1, [backend.child.pid!, one.backend, two.backend]);
    const perCoreTargets: Target[] = [
      { port: one.port, pids: [one.child.pid!], metered: true },
      { port: nginx1.port, pids: childPids(nginx1.pid), metered: false },
      { port: two.port, pids: [two.child.pid!, ...two.fronts], metered: true },
    ];
    const perCore = await rounds(perCoreTargets, seconds, count, true);
    pin('0,1', [two.child.pid!, ...two.fronts, two.backend]);
    const twoTargets: Target[] = [
      { port: two.port, pids: [two.child.pid!, ...two.fronts], metered: true },
      { port: nginx2.port, pids: childPids(nginx2.pid), metered: false },
      { port: twoParallel.port, pids: [twoParallel.child.pid!, ...twoParallel.fronts], metered: true },
    ];
    const twoFronts = await rounds(twoTargets, seconds, count, false);
    // Equal load: every connection waits 2 ms after each answer (bench/fixtures/paced.lua), so
    // the p99s compare latency under about the same requests per second, not throughput.
    const pacedPerCore = await rounds([perCoreTargets[0]!, perCoreTargets[1]!], seconds, count, true, true);
    const pacedTwo = await rounds(twoTargets, seconds, count, false, true);
    console.log(`\nwrk -t1 -c50 -d${seconds}s × ${count} rounds (medians), ${process.version}, ${cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} now`);
    console.log('run                               req/s   × nginx     p99   cpu µs/req   cpu × nginx   cpu share by process');
    const line = (name: string, r: Run, base: Run, labels: readonly string[]) =>
      console.log(
        `${name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)}   ${(r.rps / base.rps).toFixed(2).padStart(6)}  ${ms(r.p99)}   ${r.cpuUs.toFixed(1).padStart(10)}   ${(r.cpuUs / base.cpuUs).toFixed(2).padStart(11)}   ${r.shares.map((s, i) => `${labels[i]} ${s.toFixed(0)} %`).join(', ')}`,
      );
    line('per core: portico, 1 front', perCore[0]!, perCore[1]!, ['portico']);
    line('per core: nginx, 1 worker', perCore[1]!, perCore[1]!, ['worker']);
    line('one core: portico, 2 fronts', perCore[2]!, perCore[1]!, ['control', 'front 1', 'front 2']);
    line('2 fronts: portico', twoFronts[0]!, twoFronts[1]!, ['control', 'front 1', 'front 2']);
    line('2 workers: nginx', twoFronts[1]!, twoFronts[1]!, ['worker 1', 'worker 2']);
    line('2 fronts: portico, parallel GC', twoFronts[2]!, twoFronts[1]!, ['control', 'front 1', 'front 2']);
    console.log(`\nequal load (each connection waits 2 ms after every answer), medians`);
    console.log('run                               req/s     p50     p99   p99 × nginx');
    const pacedLine = (name: string, r: Run, base: Run) => console.log(`${name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)}  ${ms(r.p50)}  ${ms(r.p99)}   ${(r.p99 / base.p99).toFixed(2).padStart(11)}`);
    pacedLine('per core: portico, 1 front', pacedPerCore[0]!, pacedPerCore[1]!);
    pacedLine('per core: nginx, 1 worker', pacedPerCore[1]!, pacedPerCore[1]!);
    pacedLine('2 fronts: portico', pacedTwo[0]!, pacedTwo[1]!);
    pacedLine('2 workers: nginx', pacedTwo[1]!, pacedTwo[1]!);
    pacedLine('2 fronts: portico, parallel GC', pacedTwo[2]!, pacedTwo[1]!);
    console.log('\ngarbage collection in Portico\'s processes (all of them), medians');
    console.log('run                                        young GCs/s   pause ms/s   mean young ms   max ms   KiB/request   largest RSS MiB');
    const gcLine = (name: string, r: Run) => {
      const gc = r.gc!;
      console.log(
        `${name.padEnd(42)} ${gc.minorPerSecond.toFixed(1).padStart(11)}   ${gc.pauseMsPerSecond.toFixed(1).padStart(10)}   ${gc.meanMinorMs.toFixed(2).padStart(13)}   ${gc.maxPauseMs.toFixed(2).padStart(6)}   ${(gc.bytesPerRequest / 1024).toFixed(2).padStart(11)}   ${(gc.rss / 1048576).toFixed(0).padStart(15)}`,
      );
    };
    gcLine('saturation, per core: 1 front', perCore[0]!);
    gcLine('saturation, one core: 2 fronts', perCore[2]!);
    gcLine('saturation, 2 fronts', twoFronts[0]!);
    gcLine('saturation, 2 fronts, parallel GC', twoFronts[2]!);
    gcLine('equal load, per core: 1 front', pacedPerCore[0]!);
    gcLine('equal load, 2 fronts', pacedTwo[0]!);
    gcLine('equal load, 2 fronts, parallel GC', pacedTwo[2]!);
    console.log(`\ncpu per request, 2 fronts ÷ 1 front: ${(twoFronts[0]!.cpuUs / perCore[0]!.cpuUs).toFixed(2)} (nginx, 2 workers ÷ 1: ${(twoFronts[1]!.cpuUs / perCore[1]!.cpuUs).toFixed(2)}); both on one core: ${(perCore[2]!.cpuUs / perCore[0]!.cpuUs).toFixed(2)}`);
  } finally {
    for (const p of [one, two, twoParallel, backend]) p.child.kill('SIGTERM');
    await nginx1.stop();
    await nginx2.stop();
  }
}
