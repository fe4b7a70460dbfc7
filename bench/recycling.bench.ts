// What recycling costs under load (issue 18, "Recycling, overlapped"): wrk through real Portico to
// a real backend (bench/fixtures/proxy-backend.mjs, 3 workers), once with recycling.requests low
// enough that workers are replaced many times during the run, once without recycling, the two
// runs alternating (twice each) so a busy machine's swings fall on both. Printed per run:
// requests per second, non-2xx answers and socket errors (the target is zero), and the workers
// replaced (worker.recycled); then the ratio of the medians, recycled to not.
//
//   node --import tsx bench/recycling.bench.ts     (SECONDS=4 CONNECTIONS=20 REQUESTS=200 WORKERS=3)
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig } from '@portico/portico';

const seconds = Number(process.env.SECONDS ?? 4);
const connections = Number(process.env.CONNECTIONS ?? 20);
const requests = Number(process.env.REQUESTS ?? 200);
const workers = Number(process.env.WORKERS ?? 3);
const backend = fileURLToPath(new URL('./fixtures/proxy-backend.mjs', import.meta.url));

interface Run {
  readonly rps: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  readonly recycled: number;
}

/** Starts Portico with one app of `workers` workers, recycled every `recycleAfter` requests (0: never), and runs wrk through it. */
async function run(recycleAfter: number): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-recycling-bench-'));
  const app = { name: 'bench', processPath: process.execPath, arguments: [backend], start: 'eager', processesPerApplication: workers, recycling: { requests: recycleAfter } };
  const config = resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [app] }, { file: join(dir, 'portico.json'), baseDir: dir });
  let recycled = 0;
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => (recycled += chunk.toString().split('"event":"worker.recycled"').length - 1));
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

const plain: Run[] = [];
const recycling: Run[] = [];
for (let round = 0; round < 2; round++) {
  plain.push(await run(0));
  recycling.push(await run(requests));
}
const show = (name: string, r: Run) =>
  console.log(`${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   non-2xx ${r.non2xx}   socket errors ${r.socketErrors}   workers recycled ${r.recycled}`);
for (let round = 0; round < 2; round++) {
  show(`without recycling, round ${round + 1}`, plain[round]!);
  show(`requests: ${requests}, round ${round + 1}`, recycling[round]!);
}
/** The upper middle of the runs' req/s. */
const median = (runs: Run[]) => runs.map((r) => r.rps).sort((a, b) => a - b)[runs.length - 1]!;
const failed = recycling.reduce((n, r) => n + r.non2xx + r.socketErrors, 0);
console.log(`ratio recycled / not: ${(median(recycling) / median(plain)).toFixed(2)}x req/s; ${recycling.reduce((n, r) => n + r.recycled, 0)} workers recycled; failed requests while recycling: ${failed} (target 0)`);
