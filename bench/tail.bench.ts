// Where the tail at equal load comes from (issue 21, p99 ≤ 1.3× nginx's), as a curve rather
// than one point: bench:proxy-cores offers one rate (70 % of the lower saturation), and on a
// 2-core machine that rate can leave the core of the backend and the load generator, not the
// proxy's, nearly full, so its p99 says more about that core's queue than about the proxy. Here
// the per-core arrangement of bench:proxy-cores (the proxy pinned to CPU 0, the backend and the
// open-loop generator to CPU 1) is offered several rates, each a share of Portico's saturation
// measured first with wrk, and every process's cost per request is printed beside the latencies:
//
// - Portico, one front, forwarding to the backend it started;
// - the parsing relay (support/parsingRelay.ts, the floor of a strict Node proxy) and nginx with
//   one worker, both forwarding to that same backend process, so that the backend is not a
//   difference between them.
//
// For each target and rate, medians over the rounds: p50 and p99 from the generator, p99 against
// nginx's in the same round; per request the CPU (and of it the kernel's) of the proxy, the backend and the
// generator, the backend's system calls, and the wake-ups of each process; how long the backend
// and the generator stood runnable without a CPU (ms a second), and how busy CPU 1 was. A
// proxy that costs CPU 1 more per request (a larger head to read, answers spread over more
// wake-ups) fills that core sooner, and near full its queue, and every proxy's tail with it,
// grows steeply.
//
//   pnpm bench:tail [seconds] [rounds] [shares]   (default 5 s × 3 rounds, shares 0.3,0.5,0.7; Linux, taskset, wrk, nginx)
//   PORTICO_BENCH_HOLD_SINGLE=1 starts Portico with the fronts' own flags (16 MiB a semi-space, the
//   single-threaded collector), as bench:proxy-cores does.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolveConfig } from '@portico/portico';
import { benchConfigPlace } from './support/benchConfigPlace.ts';
import { parsingRelay } from './support/parsingRelay.ts';
import { porticoRoleFlags } from './support/porticoRoleFlags.ts';
import { listeningPort } from './support/listeningPort.ts';
import { pin } from './support/pin.ts';
import { childPids, cpuMs, cpuSplitMs, runQueueMs } from './support/processCpu.ts';
import { listenAndReport, startRole, type RoleProcess } from './support/roleProcess.ts';
import { proxyPassTo, startNginx, type Nginx } from './support/startNginx.ts';
import { startPacedLoad } from './support/startPacedLoad.ts';
import { startPorticoReady } from './support/startPorticoReady.ts';
import { median, runWrk } from './support/wrk.ts';
import { wakeUps } from './support/wakeUps.ts';

const BACKEND = new URL('./fixtures/raw-backend.mjs', import.meta.url);
const LOAD_CPU = 1;
const role = process.argv[2];
process.on('SIGINT', () => process.exit(0));

if (role === 'portico') {
  const config = resolveConfig(
    { listen: [{ port: 0, host: '127.0.0.1' }], fronts: 1, apps: [{ name: 'bench', processPath: process.execPath, arguments: [BACKEND.pathname], start: 'eager' }] },
    benchConfigPlace(),
  );
  const { portico, port } = await startPorticoReady(config);
  process.stdout.write(`${port} ${portico.status().apps[0]!.workers[0]!.pid!}\n`);
  process.on('SIGTERM', () => void portico.stop().then(() => process.exit(0)));
} else if (role === 'parsing-relay') {
  await listenAndReport(parsingRelay(Number(process.argv[3])));
} else {
  await main();
}

/** System calls a process has made so far (reads and writes of every kind, /proc/PID/io). */
function syscalls(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)![1]);
  return field('syscr') + field('syscw');
}

/** CPU `cpu`'s busy and total time so far, in clock ticks (/proc/stat). */
function cpuTicks(cpu: number): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `))!;
  const ticks = line.split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

interface Figures {
  p50: number;
  p99: number;
  lateP99: number;
  errors: number;
  proxyCpuUs: number;
  backendCpuUs: number;
  generatorCpuUs: number;
  generatorSystemUs: number;
  backendSystemUs: number;
  proxySystemUs: number;
  backendSyscalls: number;
  proxyWakes: number;
  backendWakes: number;
  generatorWakes: number;
  backendWaitMs: number;
  generatorWaitMs: number;
  cpu1Busy: number;
}

interface Target {
  readonly name: string;
  readonly port: number;
  readonly proxy: readonly number[];
  readonly backend: number;
}

async function measure(target: Target, rate: number, seconds: number): Promise<Figures> {
  const generator = await startPacedLoad(target.port, { rate, seconds, cpu: LOAD_CPU });
  const before = {
    proxy: cpuMs(target.proxy),
    backend: cpuMs([target.backend]),
    backendSystem: cpuSplitMs([target.backend]).system,
    proxySystem: cpuSplitMs(target.proxy).system,
    backendSys: syscalls(target.backend),
    proxyWakes: wakeUps(target.proxy),
    backendWakes: wakeUps([target.backend]),
    backendWait: runQueueMs([target.backend]) ?? 0,
    cpu1: cpuTicks(LOAD_CPU),
  };
  const run = await generator.run();
  const n = run.answered;
  const cpu1 = cpuTicks(LOAD_CPU);
  return {
    p50: run.p50,
    p99: run.p99,
    lateP99: run.lateP99,
    errors: run.errors,
    proxyCpuUs: ((cpuMs(target.proxy) - before.proxy) * 1000) / n,
    backendCpuUs: ((cpuMs([target.backend]) - before.backend) * 1000) / n,
    generatorCpuUs: ((run.cpuMs.user + run.cpuMs.system) * 1000) / n,
    generatorSystemUs: (run.cpuMs.system * 1000) / n,
    backendSystemUs: ((cpuSplitMs([target.backend]).system - before.backendSystem) * 1000) / n,
    proxySystemUs: ((cpuSplitMs(target.proxy).system - before.proxySystem) * 1000) / n,
    backendSyscalls: (syscalls(target.backend) - before.backendSys) / n,
    proxyWakes: (wakeUps(target.proxy) - before.proxyWakes) / n,
    backendWakes: (wakeUps([target.backend]) - before.backendWakes) / n,
    generatorWakes: (run.schedule?.wakeUps ?? Number.NaN) / n,
    backendWaitMs: (runQueueMs([target.backend])! - before.backendWait) / seconds,
    generatorWaitMs: (run.schedule?.runQueueMs ?? Number.NaN) / seconds,
    cpu1Busy: (cpu1.busy - before.cpu1.busy) / (cpu1.total - before.cpu1.total),
  };
}


async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const count = Number(process.argv[3] ?? 3);
  const shares = (process.argv[4] ?? '0.3,0.5,0.7').split(',').map(Number);
  if (!shares.every((x) => x > 0 && x <= 1)) throw new Error(`bench:tail: each share of Portico's saturation must be above 0 and at most 1, got ${process.argv[4]}`);
  const loadAtStart = loadavg()[0]!;
  // PORTICO_BENCH_HOLD_SINGLE=1: with the flags Portico starts each front with (as bench:proxy-cores).
  const hold = process.env.PORTICO_BENCH_HOLD_SINGLE === '1';
  // Whatever was started is stopped at the end, also when a later start fails: nothing is left
  // running on the shared machine.
  let portico: RoleProcess | undefined;
  let relay: RoleProcess | undefined;
  let nginx: Nginx | undefined;
  try {
    portico = await startRole(new URL(import.meta.url), ['portico'], { nodeFlags: porticoRoleFlags(1, 'single-threaded', hold) });
    const backend = Number(portico.line.split(' ')[1]);
    const backendPort = listeningPort(backend);
    relay = await startRole(new URL(import.meta.url), ['parsing-relay', String(backendPort)]);
    nginx = await startNginx(proxyPassTo(backendPort), 1);
    if (nginx === undefined) throw new Error('bench:tail needs nginx (Debian: apt-get install nginx-light)');
    const nginxWorkers = childPids(nginx.pid);
    pin(0, [portico.child.pid!, relay.child.pid!, nginx.pid, ...nginxWorkers]);
    pin(LOAD_CPU, [backend]);
    const targets: Target[] = [
      { name: 'portico, 1 front', port: portico.port, proxy: [portico.child.pid!], backend },
      { name: 'parsing relay (floor)', port: relay.port, proxy: [relay.child.pid!], backend },
      { name: 'nginx, 1 worker', port: nginx.port, proxy: nginxWorkers, backend },
    ];
    // Portico's saturation per core, as bench:proxy-cores measures it (wrk on CPU 1), after a warm-up.
    runWrk(portico.port, { seconds: 1, cpu: LOAD_CPU });
    const saturation = runWrk(portico.port, { seconds: 3, cpu: LOAD_CPU }).rps;
    const rates = shares.map((x) => Math.max(100, Math.round((x * saturation) / 100) * 100));
    for (const t of targets) await measure(t, rates[0]!, 1);
    const results = rates.map(() => targets.map(() => [] as Figures[]));
    for (let r = 0; r < count; r++) {
      for (const [k, rate] of rates.entries()) for (const [i, t] of targets.entries()) results[k]![i]!.push(await measure(t, rate, seconds));
    }
    console.log(`\nPortico's saturation per core${hold ? ' (held: the fronts\' flags)' : ''} ${saturation.toFixed(0)} req/s (wrk -c50, 3 s); open loop, 50 connections, ${seconds} s × ${count} rounds (medians), ${process.version}, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} now`);
    console.log('proxy on CPU 0; backend (one process for every target) and generator on CPU 1. Per request: CPU µs (of it the kernel\'s), system calls, wake-ups; waits: ms a second runnable without a CPU');
    console.log('rate      run                        p50      p99  p99×nginx  late p99 errors | cpu µs: proxy      backend       generator   | backend syscalls | wakes: proxy  backend  generator | wait ms/s: backend  generator | CPU 1 busy');
    for (const [k, rate] of rates.entries()) {
      // Each round's p99 against nginx's in the same round, then the median of those ratios: the
      // targets of a round ran within seconds of each other, so a slow drift of the machine's load
      // cancels out of the ratio that a ratio of medians would keep.
      const nginxRounds = results[k]![2]!;
      for (const [i, t] of targets.entries()) {
        const all = results[k]![i]!;
        const m = (key: keyof Figures) => median(all.map((f) => f[key]));
        const pair = (total: number, kernel: number) => `${total.toFixed(1)} (${kernel.toFixed(1)})`.padStart(12);
        const errors = all.reduce((sum, f) => sum + f.errors, 0);
        console.log(
          `${String(rate).padStart(6)}    ${t.name.padEnd(24)} ${m('p50').toFixed(2).padStart(6)} ${m('p99').toFixed(2).padStart(8)} ${median(all.map((f, r) => f.p99 / nginxRounds[r]!.p99)).toFixed(2).padStart(9)} ${m('lateP99').toFixed(2).padStart(9)} ${String(errors).padStart(6)} | ${pair(m('proxyCpuUs'), m('proxySystemUs'))}  ${pair(m('backendCpuUs'), m('backendSystemUs'))}  ${pair(m('generatorCpuUs'), m('generatorSystemUs'))} | ${m('backendSyscalls').toFixed(2).padStart(16)} | ${m('proxyWakes').toFixed(3).padStart(12)} ${m('backendWakes').toFixed(3).padStart(8)} ${m('generatorWakes').toFixed(3).padStart(10)} | ${m('backendWaitMs').toFixed(1).padStart(18)} ${m('generatorWaitMs').toFixed(1).padStart(10)} | ${(m('cpu1Busy') * 100).toFixed(1).padStart(8)} %`,
        );
      }
    }
    console.log('\neach round\'s p99 (ms), to see how far one run can move: ' + rates.map((rate, k) => `${rate}: ${targets.map((t, i) => `${t.name.split(',')[0]} ${results[k]![i]!.map((f) => f.p99.toFixed(1)).join(' ')}`).join('; ')}`).join(' | '));
  } finally {
    for (const p of [portico, relay]) p?.child.kill('SIGTERM');
    await nginx?.stop();
  }
}
