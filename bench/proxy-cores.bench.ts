// Portico per core and with two fronts, against nginx with as many workers (issue 21, "Every
// core"). Two runs, each with the same trivial backend, the cheapest one Node can run
// (fixtures/raw-backend.mjs: it answers each request head it reads with a fixed response):
// per core it shares CPU 1 with the load generator, and node:http's cost there made that core,
// not the proxy's, the limit (nginx used 76 % of its core at what was called its saturation) and
// queued requests in the backend, which set every proxy's tail alike. In each run every target
// forwards to one backend process, the one Portico's pool started (per core one front's, with two
// fronts the two fronts'), so the backend is no difference between the proxies.
//
// - Per core: the proxy pinned to CPU 0 with taskset, wrk and the backend on CPU 1; Portico with
//   one front (fronts: 1, the single process) against nginx with one worker; and Portico with
//   two fronts on that same core, which tells what the fronts themselves cost per request from
//   what sharing two cores with wrk and the backend costs in the next run.
//   Beside them, the floors of any proxy written in Node, at saturation on the same core: the
//   bare relay (support/bareRelay.ts: bytes copied both ways, nothing parsed) and the parsing
//   relay (support/parsingRelay.ts: the bare one plus both heads parsed, checked and written again
//   with Portico's own parser). Portico against them tells what its routing, pooling, deadlines,
//   headers, metrics and logs cost; they against nginx tell how near any Node proxy can come.
// - Two fronts: Portico with fronts: 2 (a control process and two fronts) against nginx with two
//   workers, nothing pinned.
//
// Each prints requests per second, p99 latency and the CPU the proxy's processes used per
// request (Portico: the control process and its fronts; nginx: its workers), which must not grow
// with the number of fronts; and each front's share of that CPU (the shared accept queue's
// balance). Then an equal-load phase offers every target of a run the same fixed request rate,
// `share` (default 0.7) of the lower of Portico's and nginx's saturation throughput measured
// just before, so that the p99s against nginx's compare the same load on any machine. The load
// is open loop (support/drivePacedLoad.ts, as wrk2): a fixed schedule over 50 connections, one
// request in flight on each, released in Node's 1 ms timer ticks, and each request timed from
// its release, so a stall shows in every request queued behind it, not only in the one it hit.
// The generator is a Node process of its own, run where wrk runs (pinned to CPU 1 with the
// backend per core, unpinned with two fronts); it starts and opens its connections before the
// proxy's CPU and collections are read, so its start is not counted in them. The phase prints for each target the rate
// offered and achieved (a target that fell behind is flagged), p50, p99 and CPU per request
// against nginx's, the generator's own CPU and how late its releases came against the schedule
// (their p99): a generator starved of CPU shows there, not as a lower latency. Per core, a
// bare relay in Node (support/bareRelay.ts: no parsing, no timers) runs at the same rate on the
// same core: the floor of any proxy written in Node. Beside each p99 the phase prints how long
// the proxy's main threads and its backend's stood runnable without a CPU, in ms a second
// (/proc's schedstat): every request that arrives then waits, and on a shared machine those
// waits, not the proxy, can set a run's tail.
// Every Portico process runs a GC meter (support/gcMeter.ts): each phase prints, per run, the
// young-generation collections a second, the bytes allocated between two of them (the young
// generation's size in effect: V8 shrinks it after a quiet spell, and the single process, unlike
// the fronts, is not held at 16 MiB), the time the processes stood in collections, the longest
// pause, and the bytes allocated per request. Two fronts run twice, with `frontGc` at its default
// (single-threaded) and at `parallel` (V8's helper threads), in the same rounds.
//
//   pnpm bench:proxy-cores [seconds] [rounds] [share]   (default 5 s × 3 rounds, share 0.7; Linux, wrk, taskset)
//   PORTICO_BENCH_HOLD_SINGLE=1 starts the single process with the fronts' own flags (frontNodeFlags:
//   16 MiB a semi-space, and the single-threaded collector).
import cluster from 'node:cluster';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { resolveConfig } from '@portico/portico';
import { startGcMeters, stopGcMeters, type GcFigures } from './support/gcFigures.ts';
import { porticoRoleFlags } from './support/porticoRoleFlags.ts';
import { childPids, cpuMs, runQueueMs } from './support/processCpu.ts';
import { bareRelay } from './support/bareRelay.ts';
import { listeningPort } from './support/listeningPort.ts';
import { pin } from './support/pin.ts';
import { parsingRelay } from './support/parsingRelay.ts';
import { listenAndReport, startRole, type RoleProcess } from './support/roleProcess.ts';
import { proxyPassTo, startNginx, type Nginx } from './support/startNginx.ts';
import { startPacedLoad } from './support/startPacedLoad.ts';
import { median, runWrk } from './support/wrk.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';
import { benchConfigPlace } from './support/benchConfigPlace.ts';

const BACKEND = new URL('./fixtures/raw-backend.mjs', import.meta.url);
/** Where wrk and the paced generator run when the proxy is pinned to CPU 0. */
const LOAD_CPU = 1;
const role = process.argv[2];
process.on('SIGINT', () => process.exit(0));

if (role === 'portico') {
  // The backend, started and supervised by Portico's own pool; `fronts` front processes.
  const fronts = Number(process.argv[3]);
  const frontGc = process.argv[4] === 'parallel' ? 'parallel' : 'single-threaded';
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], fronts, frontGc, apps: [{ name: 'bench', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    benchConfigPlace(),
  );
  const { portico, port } = await startPorticoReady(config);
  const backend = portico.status().apps[0]!.workers[0]!.pid!;
  const frontPids = (portico.status().fronts ?? []).map((f) => f.pid!);
  process.stdout.write(`${port} ${backend} ${frontPids.join(' ')}\n`);
  process.on('SIGTERM', () => void portico.stop().then(() => process.exit(0)));
} else if (role === 'node-relay') {
  await listenAndReport(bareRelay(Number(process.argv[3])));
} else if (role === 'parsing-relay') {
  await listenAndReport(parsingRelay(Number(process.argv[3])));
} else if (role === 'parsing-relays') {
  // Two parsing relays on one listening socket, as two fronts share theirs (each process accepts
  // from the kernel's queue: cluster's SCHED_NONE); prints the port, then each relay's pid.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  if (cluster.isPrimary) {
    const relays = [cluster.fork(), cluster.fork()];
    const ports = await Promise.all(relays.map(async (relay) => ((await once(relay, 'message')) as [number])[0]));
    process.stdout.write(`${ports[0]} ${relays.map((relay) => relay.process.pid).join(' ')}\n`);
    process.on('SIGTERM', () => process.exit(0));
  } else {
    const server = parsingRelay(Number(process.argv[3])).listen(0, '127.0.0.1');
    await once(server, 'listening');
    process.send!((server.address() as AddressInfo).port);
  }
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
  /** At equal load: what the paced generator offered and how it kept to it. */
  readonly paced: PacedFigures | undefined;
  /**
   * Milliseconds a second the proxy's main threads, and its backend's, stood runnable without a
   * CPU (`runQueueMs`): time every request arriving then waits, whatever the proxy's code.
   */
  readonly waits: { readonly proxy: number; readonly backend: number } | undefined;
}

interface PacedFigures {
  /** Requests a second offered by the schedule. */
  readonly offered: number;
  /**
   * Requests released, and of them the failed or unanswered, each summed over the rounds: a
   * median would hide a round that lost some.
   */
  readonly requests: number;
  readonly errors: number;
  /** How late the generator released requests against its schedule (99th percentile, ms). */
  readonly lateP99: number;
  /** The generator's own CPU, in percent of a core. */
  readonly generatorCpu: number;
}

/** What one load run measured: wrk's at saturation, the paced generator's at equal load. */
interface Load {
  readonly rps: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly paced?: PacedFigures;
}

interface Target {
  readonly port: number;
  readonly pids: readonly number[];
  /** Whether its processes run the GC meter (Portico's do). */
  readonly metered: boolean;
  /** The backend it forwards to. */
  readonly backend: number;
}

/**
 * A load against a port, in two steps: what must stay out of the figures (a generator process's
 * start), then the function that runs it.
 */
type LoadRunner = (port: number) => Promise<() => Promise<Load> | Load>;

/** Runs `load` against `target`, with the CPU and the collections of the target's processes over it. */
async function measure(target: Target, load: LoadRunner): Promise<Run> {
  const { pids } = target;
  const go = await load(target.port);
  const before = pids.map((p) => cpuMs([p]));
  const waitedBefore = [runQueueMs(pids), runQueueMs([target.backend])];
  if (target.metered) startGcMeters(pids);
  const run = await go();
  const used = pids.map((p, i) => cpuMs([p]) - before[i]!);
  const waitedAfter = [runQueueMs(pids), runQueueMs([target.backend])];
  const seconds = run.requests / run.rps;
  const perSecond = (i: number) => (waitedAfter[i]! - waitedBefore[i]!) / seconds;
  const waits = waitedBefore.every((w) => w !== undefined) ? { proxy: perSecond(0), backend: perSecond(1) } : undefined;
  const gc = target.metered ? await stopGcMeters(pids, run.requests) : undefined;
  const total = used.reduce((a, b) => a + b, 0);
  return { rps: run.rps, p50: run.p50, p99: run.p99, cpuUs: (total * 1000) / run.requests, shares: used.map((u) => (total > 0 ? (u * 100) / total : 0)), gc, paced: run.paced, waits };
}

/** wrk at saturation: every connection sends its next request as soon as the answer arrives. */
function saturate(seconds: number, pinLoad: boolean): LoadRunner {
  return async (port) => () => runWrk(port, { seconds, ...(pinLoad ? { cpu: LOAD_CPU } : {}) });
}

/** The paced generator at `rate` requests a second, the same for every target (equal load). */
function pace(seconds: number, rate: number, pinLoad: boolean): LoadRunner {
  return async (port) => {
    const generator = await startPacedLoad(port, { rate, seconds, ...(pinLoad ? { cpu: LOAD_CPU } : {}) });
    return async () => {
      const run = await generator.run();
      if (run.errors > 0) console.log(`paced load on port ${port}: ${run.errors} of ${run.requests} requests failed or went unanswered`);
      return { rps: run.achieved, requests: run.answered, p50: run.p50, p99: run.p99, paced: { offered: run.offered, requests: run.requests, errors: run.errors, lateP99: run.lateP99, generatorCpu: run.cpuPercent } };
    };
  };
}

/** `count` rounds over `targets` in turn (interleaved), each target's medians; `warm` runs a 1 s wrk first. */
async function rounds(targets: readonly Target[], count: number, load: LoadRunner, warm?: LoadRunner): Promise<Run[]> {
  const all = targets.map(() => [] as Run[]);
  if (warm) for (const t of targets) await measure(t, warm);
  for (let r = 0; r < count; r++) for (const [i, t] of targets.entries()) all[i]!.push(await measure(t, load));
  const gcMedian = (runs: readonly Run[], key: keyof GcFigures) => median(runs.map((x) => x.gc![key]));
  const pacedMedian = (runs: readonly Run[], key: keyof PacedFigures) => median(runs.map((x) => x.paced![key]));
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
            bytesPerMinor: gcMedian(runs, 'bytesPerMinor'),
            rss: gcMedian(runs, 'rss'),
          },
    paced:
      runs[0]!.paced === undefined
        ? undefined
        : {
            offered: pacedMedian(runs, 'offered'),
            requests: runs.reduce((sum, x) => sum + x.paced!.requests, 0),
            errors: runs.reduce((sum, x) => sum + x.paced!.errors, 0),
            lateP99: pacedMedian(runs, 'lateP99'),
            generatorCpu: pacedMedian(runs, 'generatorCpu'),
          },
    waits:
      runs[0]!.waits === undefined
        ? undefined
        : { proxy: median(runs.map((x) => x.waits!.proxy)), backend: median(runs.map((x) => x.waits!.backend)) },
  }));
}

/**
 * The equal load's rate: `share` of the lower of two proxies' saturation throughput (measured
 * just before in the same run), in whole hundreds, so that both carry it with room to spare.
 */
function equalRate(saturation: readonly Run[], share: number): number {
  return Math.max(100, Math.round((share * Math.min(...saturation.map((r) => r.rps))) / 100) * 100);
}

function ms(value: number): string {
  return `${value.toFixed(2)}ms`.padStart(7);
}


async function startPortico(fronts: number, frontGc: 'single-threaded' | 'parallel' = 'single-threaded') {
  // PORTICO_BENCH_HOLD_SINGLE=1: the single process (one front) runs with the flags every front is
  // started with (frontNodeFlags), so that CPU per request compares one front and two like for
  // like; without it, the single process runs as `portico start` runs it.
  const hold = process.env.PORTICO_BENCH_HOLD_SINGLE === '1';
  const role = await startRole(new URL(import.meta.url), ['portico', String(fronts), frontGc], { nodeFlags: porticoRoleFlags(fronts, frontGc, hold) });
  // After the port: the backend's pid, then the fronts'.
  const [, backend, ...frontPids] = role.line.split(' ').map(Number);
  return { ...role, backend: backend!, fronts: frontPids };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const count = Number(process.argv[3] ?? 3);
  const share = Number(process.argv[4] ?? 0.7);
  if (!(share > 0 && share <= 1)) throw new Error(`bench:proxy-cores: the equal load's share of the saturation throughput must be above 0 and at most 1, got ${process.argv[4]}`);
  if (cpus().length < 2) throw new Error('bench:proxy-cores needs two CPUs (the proxy on one, wrk and the backend on the other)');
  // The machine's load, at the start and the end: figures from a busy machine are not comparable.
  const loadAtStart = loadavg()[0]!;
  // Whatever was started is stopped at the end, also when a later start fails: nothing is left
  // running on the shared machine.
  const roles: RoleProcess[] = [];
  const servers: Nginx[] = [];
  const role = <T extends RoleProcess>(started: T): T => {
    roles.push(started);
    return started;
  };
  const server = (started: Nginx | undefined): Nginx | undefined => {
    if (started) servers.push(started);
    return started;
  };
  try {
    const one = role(await startPortico(1));
    const two = role(await startPortico(2));
    const twoParallel = role(await startPortico(2, 'parallel'));
    // Every other target of a run forwards to the backend process of Portico's run (one front's per
    // core, two fronts' with two): one process, so that the backend is no difference between them.
    // Before, they shared a backend of their own, the same program in another process, and a
    // difference between two backend processes (their placement, their connections' history)
    // could pass for one between the proxies.
    const perCoreBackend = listeningPort(one.backend);
    const twoBackend = listeningPort(two.backend);
    const nginx1 = server(await startNginx(proxyPassTo(perCoreBackend), 1));
    const nginx2 = server(await startNginx(proxyPassTo(twoBackend), 2));
    if (!nginx1 || !nginx2) throw new Error('bench:proxy-cores needs nginx (Debian: apt-get install nginx-light)');
    const relay = role(await startRole(new URL(import.meta.url), ['node-relay', String(perCoreBackend)]));
    const parsing = role(await startRole(new URL(import.meta.url), ['parsing-relay', String(perCoreBackend)]));
    const parsingTwo = role(await startRole(new URL(import.meta.url), ['parsing-relays', String(twoBackend)]));
    const parsingTwoPids = parsingTwo.line.split(' ').slice(1).map(Number);
    // Per core: the proxies on CPU 0; the backends (Portico's own and nginx's) and wrk on CPU 1.
    // Two fronts (and their control process) on that one core as well: what the fronts' design
    // costs per request (the channel, the control, two event loops) under the same conditions as
    // one front, apart from what sharing two cores with wrk and the backend costs below.
    pin(0, [one.child.pid!, two.child.pid!, ...two.fronts, relay.child.pid!, parsing.child.pid!, nginx1.pid, ...childPids(nginx1.pid)]);
    pin(LOAD_CPU, [one.backend, two.backend]);
    const perCoreTargets: Target[] = [
      { port: one.port, pids: [one.child.pid!], metered: true, backend: one.backend },
      { port: nginx1.port, pids: childPids(nginx1.pid), metered: false, backend: one.backend },
      { port: two.port, pids: [two.child.pid!, ...two.fronts], metered: true, backend: two.backend },
      // The floors of any proxy in Node, on the same core: the bare relay (no parsing, no timers)
      // and the parsing relay (the bare one plus both heads parsed, checked and written again with
      // Portico's parser, support/parsingRelay.ts). No proxy written in Node does less per request.
      { port: relay.port, pids: [relay.child.pid!], metered: false, backend: one.backend },
      { port: parsing.port, pids: [parsing.child.pid!], metered: false, backend: one.backend },
    ];
    const perCore = await rounds(perCoreTargets, count, saturate(seconds, true), saturate(1, true));
    pin('0,1', [two.child.pid!, ...two.fronts, two.backend]);
    const twoTargets: Target[] = [
      { port: two.port, pids: [two.child.pid!, ...two.fronts], metered: true, backend: two.backend },
      { port: nginx2.port, pids: childPids(nginx2.pid), metered: false, backend: two.backend },
      { port: twoParallel.port, pids: [twoParallel.child.pid!, ...twoParallel.fronts], metered: true, backend: twoParallel.backend },
      // The floor with two processes: two parsing relays sharing one listening socket.
      { port: parsingTwo.port, pids: parsingTwoPids, metered: false, backend: two.backend },
    ];
    const twoFronts = await rounds(twoTargets, count, saturate(seconds, false), saturate(1, false));
    // Equal load: every target of a group offered the same fixed rate, a share of the lower of
    // Portico's (single-threaded GC) and nginx's saturation throughput above, open loop
    // (support/drivePacedLoad.ts): the p99s compare latency under the same requests per second.
    // The generator runs where wrk ran (CPU 1 per core, unpinned with two fronts).
    const perCoreRate = equalRate([perCore[0]!, perCore[1]!], share);
    const twoRate = equalRate([twoFronts[0]!, twoFronts[1]!], share);
    // The floor beside them per core: a bare relay in Node (support/bareRelay.ts, no parsing, no
    // timers) at the same rate, on the same core: the tail that any proxy written in Node has.
    const floor: Target = { port: relay.port, pids: [relay.child.pid!], metered: false, backend: one.backend };
    const pacedPerCore = await rounds([perCoreTargets[0]!, perCoreTargets[1]!, floor, perCoreTargets[4]!], count, pace(seconds, perCoreRate, true));
    const pacedTwo = await rounds(twoTargets, count, pace(seconds, twoRate, false));
    console.log(`\nwrk -t1 -c50 -d${seconds}s × ${count} rounds (medians), ${process.version}, ${cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} now`);
    console.log('run                               req/s   × nginx     p99   cpu µs/req   cpu × nginx   cpu share by process');
    const line = (name: string, r: Run, base: Run, labels: readonly string[]) =>
      console.log(
        `${name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)}   ${(r.rps / base.rps).toFixed(2).padStart(6)}  ${ms(r.p99)}   ${r.cpuUs.toFixed(1).padStart(10)}   ${(r.cpuUs / base.cpuUs).toFixed(2).padStart(11)}   ${r.shares.map((s, i) => `${labels[i]} ${s.toFixed(0)} %`).join(', ')}`,
      );
    line('per core: portico, 1 front', perCore[0]!, perCore[1]!, ['portico']);
    line('per core: nginx, 1 worker', perCore[1]!, perCore[1]!, ['worker']);
    line('one core: portico, 2 fronts', perCore[2]!, perCore[1]!, ['control', 'front 1', 'front 2']);
    line('per core: node relay (floor)', perCore[3]!, perCore[1]!, ['relay']);
    line('per core: parsing relay (floor)', perCore[4]!, perCore[1]!, ['relay']);
    line('2 fronts: portico', twoFronts[0]!, twoFronts[1]!, ['control', 'front 1', 'front 2']);
    line('2 workers: nginx', twoFronts[1]!, twoFronts[1]!, ['worker 1', 'worker 2']);
    line('2 fronts: portico, parallel GC', twoFronts[2]!, twoFronts[1]!, ['control', 'front 1', 'front 2']);
    line('2 parsing relays (floor)', twoFronts[3]!, twoFronts[1]!, ['relay 1', 'relay 2']);
    console.log(
      `\nequal load: each target offered the same fixed rate, ${(share * 100).toFixed(0)} % of the lower of Portico's and nginx's saturation throughput above, by an open-loop generator (50 connections, latency from each request's release; ${perCoreRate} req/s per core, ${twoRate} with two), medians`,
    );
    console.log('run                               offered  achieved     p50     p99   p99 × nginx   cpu µs/req   cpu × nginx   generator: cpu   late p99   run-queue wait ms/s: proxy  backend   errors');
    const waits = (r: Run) => (r.waits === undefined ? 'n/a'.padStart(26) : `${r.waits.proxy.toFixed(1).padStart(26)}  ${r.waits.backend.toFixed(1).padStart(7)}`);
    // Rows whose target failed or left unanswered some of the requests offered (over all rounds).
    const failed: string[] = [];
    const pacedLine = (name: string, r: Run, base: Run) => {
      const paced = r.paced!;
      // A target that answered less than it was offered was not at the equal load: say so.
      const behind = r.rps < 0.97 * paced.offered ? '   (fell behind the offered rate)' : '';
      if (paced.errors > 0) failed.push(`${name}: ${paced.errors} of ${paced.requests}`);
      console.log(
        `${name.padEnd(32)} ${paced.offered.toFixed(0).padStart(8)}  ${r.rps.toFixed(0).padStart(8)}  ${ms(r.p50)}  ${ms(r.p99)}   ${(r.p99 / base.p99).toFixed(2).padStart(11)}   ${r.cpuUs.toFixed(1).padStart(10)}   ${(r.cpuUs / base.cpuUs).toFixed(2).padStart(11)}   ${`${paced.generatorCpu.toFixed(0)} %`.padStart(14)}  ${ms(paced.lateP99)}   ${waits(r)}   ${String(paced.errors).padStart(6)}${behind}`,
      );
    };
    pacedLine('per core: portico, 1 front', pacedPerCore[0]!, pacedPerCore[1]!);
    pacedLine('per core: nginx, 1 worker', pacedPerCore[1]!, pacedPerCore[1]!);
    pacedLine('per core: node relay (floor)', pacedPerCore[2]!, pacedPerCore[1]!);
    pacedLine('per core: parsing relay (floor)', pacedPerCore[3]!, pacedPerCore[1]!);
    pacedLine('2 fronts: portico', pacedTwo[0]!, pacedTwo[1]!);
    pacedLine('2 workers: nginx', pacedTwo[1]!, pacedTwo[1]!);
    pacedLine('2 fronts: portico, parallel GC', pacedTwo[2]!, pacedTwo[1]!);
    pacedLine('2 parsing relays (floor)', pacedTwo[3]!, pacedTwo[1]!);
    // The equal load compares latencies of the same requests: a failed request has none, so a
    // target that lost some is timed over fewer, and a proxy that fails requests at a load it
    // carries has a defect to find first. The tables are all printed; the run then fails.
    if (failed.length > 0) {
      console.log(`\nequal load: requests failed or went unanswered (${failed.join('; ')}): those rows' latencies leave them out and do not compare`);
      process.exitCode = 1;
    }
    console.log('\ngarbage collection in Portico\'s processes (all of them), medians');
    console.log('run                                        young GCs/s   MiB per young GC   pause ms/s   mean young ms   max ms   KiB/request   largest RSS MiB');
    const gcLine = (name: string, r: Run) => {
      const gc = r.gc!;
      console.log(
        `${name.padEnd(42)} ${gc.minorPerSecond.toFixed(1).padStart(11)}   ${(gc.bytesPerMinor / 1048576).toFixed(1).padStart(16)}   ${gc.pauseMsPerSecond.toFixed(1).padStart(10)}   ${gc.meanMinorMs.toFixed(2).padStart(13)}   ${gc.maxPauseMs.toFixed(2).padStart(6)}   ${(gc.bytesPerRequest / 1024).toFixed(2).padStart(11)}   ${(gc.rss / 1048576).toFixed(0).padStart(15)}`,
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
    for (const p of roles) p.child.kill('SIGTERM');
    for (const n of servers) await n.stop();
  }
}
