// What recycling costs under load (issue 18, "Recycling, overlapped"): wrk through real Portico to
// a real backend (bench/fixtures/proxy-backend.mjs, 3 workers), with recycling.requests low enough
// that workers are replaced continuously during a run (each setting of REQUESTS), and without
// recycling, in interleaved rounds (ROUNDS of each, the order turned each round) so a busy
// machine's swings fall on every setting. Printed per run: requests per second, non-2xx answers and
// socket errors (the target is zero), and the workers replaced (worker.recycled); then per setting
// the median of each round's ratio to that round's run without recycling (neighbours in time share
// the machine's load best), the ratio of the medians, the failed requests, and the throughput one
// replacement costs (requests not served per worker replaced). The load average is printed before
// and after: the ratio means little without it.
//
//   pnpm bench:recycling     (SECONDS=3 CONNECTIONS=20 REQUESTS=200 ROUNDS=5 WORKERS=3; REQUESTS=200,2000 for two settings)
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig } from '@portico/portico';
import { median } from './support/wrk.ts';

const seconds = Number(process.env.SECONDS ?? 3);
const connections = Number(process.env.CONNECTIONS ?? 20);
const settings = (process.env.REQUESTS ?? '200').split(',').map(Number);
const rounds = Number(process.env.ROUNDS ?? 5);
const workers = Number(process.env.WORKERS ?? 3);
const backend = fileURLToPath(new URL('./fixtures/proxy-backend.mjs', import.meta.url));

interface Run {
  readonly rps: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  readonly recycled: number;
  /** The replacements' time from start to ready, summed (worker.recycled's ms), in ms. */
  readonly replacingMs: number;
}

/** Starts Portico with one app of `workers` workers, recycled every `recycleAfter` requests (0: never), and runs wrk through it. */
async function run(recycleAfter: number): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-recycling-bench-'));
  const app = { name: 'bench', processPath: process.execPath, arguments: [backend], start: 'eager', processesPerApplication: workers, recycling: { requests: recycleAfter } };
  const config = resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [app] }, { file: join(dir, 'portico.json'), baseDir: dir });
  let recycled = 0;
  let replacingMs = 0;
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.includes('"event":"worker.recycled"')) continue;
      recycled++;
      replacingMs += Number((JSON.parse(line) as { ms: number }).ms);
    }
  });
  const portico = createPortico(config, { logger: createLogger({ destination, pretty: false, level: 'info' }) });
  const { listen } = await portico.start();
  await new Promise<void>((resolve) => {
    const ready = () => portico.status().apps[0]!.workers.filter((w) => w.state === 'ready').length === workers && resolve();
    portico.onChange(ready);
    ready();
  });
  // wrk runs in its own process; this one's event loop must stay free for Portico meanwhile.
  const out = await new Promise<string>((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, `http://127.0.0.1:${listen[0]!.port}/`];
    execFile('wrk', args, { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
  await portico.stop();
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
    recycled,
    replacingMs,
  };
}

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (error) {
  // wrk --version exits 1 after printing; only a missing binary matters.
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    console.log('wrk is not installed: nothing to measure');
    process.exit(0);
  }
}

const load = () => loadavg().map((n) => n.toFixed(1)).join(' ');
const loadBefore = load();
console.log(`load average before: ${loadBefore} (1, 5, 15 min) on ${availableParallelism()} cores`);
// Index 0: no recycling; then one per REQUESTS setting.
const modes = [0, ...settings];
const runs: Run[][] = modes.map(() => []);
const name = (recycleAfter: number) => (recycleAfter === 0 ? 'without recycling' : `requests: ${recycleAfter}`);
const show = (label: string, r: Run) =>
  console.log(`${label.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s   non-2xx ${r.non2xx}   socket errors ${r.socketErrors}   workers recycled ${r.recycled}`);
for (let round = 0; round < rounds; round++) {
  // Turned each round, so that no setting always runs first (on a cold machine) or last.
  const order = modes.map((_, i) => (i + round) % modes.length);
  for (const mode of order) {
    const r = await run(modes[mode]!);
    runs[mode]!.push(r);
    show(`${name(modes[mode]!)}, round ${round + 1}`, r);
  }
}
const plainRps = median(runs[0]!.map((r) => r.rps));
console.log(`without recycling: ${plainRps.toFixed(0)} req/s (median of ${rounds})`);
modes.forEach((recycleAfter, mode) => {
  if (mode === 0) return;
  const of = runs[mode]!;
  const rps = median(of.map((r) => r.rps));
  const failed = of.reduce((n, r) => n + r.non2xx + r.socketErrors, 0);
  const recycled = of.reduce((n, r) => n + r.recycled, 0);
  // What the recycled runs served less than as many runs without, per worker they replaced.
  const lost = ((plainRps - rps) * seconds * of.length) / Math.max(1, recycled);
  // Replacements run one at a time, so this is the share of the runs with one under way.
  const replacing = of.reduce((n, r) => n + r.replacingMs, 0) / (seconds * 1000 * of.length);
  const perRound = of.map((r, round) => r.rps / runs[0]![round]!.rps).sort((a, b) => a - b);
  console.log(
    `${name(recycleAfter)}: ${rps.toFixed(0)} req/s; ratio recycled / not: ${median(perRound).toFixed(2)}x (median of the rounds' ratios, ${perRound[0]!.toFixed(2)} to ${perRound.at(-1)!.toFixed(2)}), ${(rps / plainRps).toFixed(2)}x of the medians; ${recycled} workers recycled (one replacing for ${Math.round(replacing * 100)} % of the time); failed requests ${failed} (target 0); about ${Math.round(lost)} requests of throughput per replacement`,
  );
});
console.log(`load average after: ${load()}`);
