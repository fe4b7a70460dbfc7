// Cold start and recovery: how long after the first request (or a crash) the first response
// arrives, minus the backend's own time to listen, measured in the same run. The baseline is
// ANCM's readiness polling (every 250 ms), run here on the same backend.
//
//   pnpm bench:worker-start            (ROUNDS=15 by default)
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createNodeProcessHost, WorkerPool, type Endpoint, type ProcessHost } from '@portico/worker-actor';

const backend = fileURLToPath(new URL('./fixtures/hello.mjs', import.meta.url));
const rounds = Number(process.env.ROUNDS ?? 15);
const host = createNodeProcessHost();

/** The same host, but probing like ANCM: a fixed 250 ms between tries. */
const pollingHost: ProcessHost = {
  ...host,
  probe: async (endpoint, probe, pid) => {
    const ok = await host.probe(endpoint, probe, pid);
    if (!ok) await new Promise((resolve) => setTimeout(resolve, 249));
    return ok;
  },
};

function get(endpoint: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    const where = endpoint.kind === 'tcp' ? { host: endpoint.host, port: endpoint.port } : { socketPath: endpoint.path };
    http.get({ ...where, path: '/', agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
}

function onChange(pool: WorkerPool, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) return resolve();
    const off = pool.onChange(() => predicate() && (off(), resolve()));
  });
}

/** The backend's own boot: from spawn to listening, read from its stdout, with nothing else involved. */
async function backendBootMs(): Promise<number> {
  const started = performance.timeOrigin + performance.now();
  const child = spawn(process.execPath, [backend], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
  child.kill('SIGKILL');
  return Number(/listening-at ([\d.]+)/.exec(line)?.[1]) - started;
}

async function coldStart(h: ProcessHost): Promise<number> {
  const pool = new WorkerPool({ worker: { app: 'bench', processPath: process.execPath, arguments: [backend], host: h } });
  const t0 = performance.now();
  await pool.start();
  await onChange(pool, () => pool.ready.length > 0);
  await get(pool.ready[0]!.endpoint);
  const total = performance.now() - t0;
  await pool.stop();
  return total;
}

async function recovery(h: ProcessHost): Promise<number> {
  const pool = new WorkerPool({ worker: { app: 'bench', processPath: process.execPath, arguments: [backend], host: h }, backoff: { min: 0, max: 0 } });
  await pool.start();
  await onChange(pool, () => pool.ready.length > 0);
  const victim = pool.ready[0]!.pid;
  const t0 = performance.now();
  process.kill(victim, 'SIGKILL');
  await onChange(pool, () => pool.ready.length > 0 && pool.ready[0]!.pid !== victim);
  await get(pool.ready[0]!.endpoint);
  const total = performance.now() - t0;
  await pool.stop();
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const boot: number[] = [];
const results = { cold: [] as number[], coldPolling: [] as number[], recovery: [] as number[], recoveryPolling: [] as number[] };
for (let i = 0; i < rounds; i++) {
  boot.push(await backendBootMs());
  results.cold.push(await coldStart(host));
  results.coldPolling.push(await coldStart(pollingHost));
  results.recovery.push(await recovery(host));
  results.recoveryPolling.push(await recovery(pollingHost));
}
const own = median(boot);
const row = (name: string, xs: number[]) => {
  const total = median(xs);
  return { scenario: name, 'total ms (median)': total.toFixed(1), 'backend boot ms': own.toFixed(1), 'overhead ms': (total - own).toFixed(1) };
};
console.log(`worker start, ${rounds} rounds, Node ${process.version}`);
console.table([
  row('cold start, Portico probe', results.cold),
  row('cold start, 250 ms polling (ANCM)', results.coldPolling),
  row('recovery after SIGKILL, Portico probe', results.recovery),
  row('recovery after SIGKILL, 250 ms polling (ANCM)', results.recoveryPolling),
]);
const overhead = (xs: number[]) => (median(xs) - own).toFixed(1);
console.log(`Portico overhead: cold start ${overhead(results.cold)} ms, recovery ${overhead(results.recovery)} ms (target < 10 ms);`);
console.log(`250 ms polling overhead: cold start ${overhead(results.coldPolling)} ms, recovery ${overhead(results.recoveryPolling)} ms.`);
