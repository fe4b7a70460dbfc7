import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppStatus, WorkerStatusView } from '@portico/listener';
import { changed } from './helpers/load.ts';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 18, "What a worker costs, visible everywhere": an operator could not see a worker's CPU or
// memory at all, and a worker that forks (a gunicorn master and its workers) is one worker whose
// whole tree counts.
const resourceBackend = fileURLToPath(new URL('./fixtures/resource-backend.mjs', import.meta.url));
const mib = 1024 * 1024;

const shopApp = (env: Record<string, string>) => app('shop', { arguments: [resourceBackend], start: 'eager', environmentVariables: env });
const worker = (apps: readonly AppStatus[]): WorkerStatusView => apps[0]!.workers[0]!;
const residentOf = (pid: number) => Number(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0) * 1024;

describe('what a worker costs', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);
  before(function () {
    // Where there is no /proc, the sampling test below says what is shown instead.
    if (process.platform !== 'linux') this.skip();
  });

  it("counts the memory and processes of the worker's whole tree, not its own process only", async () => {
    const { portico, port } = await startPortico({ sampleInterval: 0.05, apps: [shopApp({ CHILDREN: '2', CHILD_MB: '40' })] });
    const { pid, children } = json(await request(port, '/')) as unknown as { pid: number; children: number[] };
    await changed(portico, () => (worker(portico.status().apps).resources?.processes ?? 0) >= 3 && (worker(portico.status().apps).resources?.memoryBytes ?? 0) >= residentOf(pid) + 80 * mib);
    const status = portico.status();
    const figures = worker(status.apps).resources!;
    assert.equal(figures.processes, 3);
    assert.equal(children.length, 2);
    // The worker's own process holds none of the children's 80 MiB.
    assert.ok(residentOf(pid) < 80 * mib, `the backend alone holds ${residentOf(pid)} bytes`);
    assert.ok(figures.fds >= 3 * 3, `fds ${figures.fds}: at least stdin, stdout and stderr of each process`);
    assert.deepEqual(status.sampling, { available: true, interval: 0.05 });
    assert.equal(status.apps[0]!.resources?.memoryBytes, figures.memoryBytes, 'the app sums its one worker');
  });

  it('shows CPU seconds growing for a busy worker, and its CPU percent', async () => {
    const { portico, port } = await startPortico({ sampleInterval: 0.05, apps: [shopApp({})] });
    await request(port, '/');
    await changed(portico, () => worker(portico.status().apps).resources !== undefined);
    const before = worker(portico.status().apps).resources!.cpuSeconds;
    assert.equal((await request(port, '/busy?ms=400')).status, 200);
    let busiest = 0;
    await changed(portico, () => {
      const figures = worker(portico.status().apps).resources;
      busiest = Math.max(busiest, figures?.cpuPercent ?? 0);
      return (figures?.cpuSeconds ?? 0) >= before + 0.3;
    });
    assert.ok(busiest > 0, 'the sample that saw the CPU time grow shows a CPU percent above 0');
  });

  // The status JSON showed times and durations with the fractions of the monotonic clock
  // ("startedAt": 1796672723896.1775, "exitedAt": 1796672755345.7083): every other time it shows
  // is whole milliseconds, and so are the docs' examples.
  it('shows every time and duration of the status in whole milliseconds', async () => {
    const { portico, port } = await startPortico({ sampleInterval: 0.05, apps: [shopApp({})] });
    const { pid } = json(await request(port, '/')) as unknown as { pid: number };
    process.kill(pid, 'SIGKILL');
    await changed(portico, () => {
      const w = worker(portico.status().apps);
      return w.lastExit !== undefined && w.readySince !== undefined && w.resources !== undefined && w.pid !== pid;
    });
    const fractions: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (typeof value === 'number' && /(At|Ms|Since)$/.test(path) && !Number.isInteger(value)) fractions.push(`${path} = ${value}`);
      else if (value && typeof value === 'object') for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`);
    };
    walk(portico.status(), 'status');
    assert.deepEqual(fractions, []);
  });

  it('counts requests served and in flight per worker and per app, and serves every figure in /metrics with app and worker labels', async () => {
    const { portico, port } = await startPortico({ sampleInterval: 0.05, apps: [shopApp({})] });
    for (let i = 0; i < 5; i++) assert.equal((await request(port, '/')).status, 200);
    await changed(portico, () => worker(portico.status().apps).resources !== undefined);
    const status = JSON.parse(JSON.stringify(portico.status())) as ReturnType<typeof portico.status>;
    const shop = status.apps[0]!;
    assert.equal(worker(status.apps).requests, 5);
    assert.equal(shop.requests, 5);
    assert.equal(shop.inFlight, 0);
    assert.ok(worker(status.apps).startedAt! <= Date.now());
    const metrics = portico.metrics.render(portico.status());
    const labels = '{app="shop",worker="shop#1"}';
    for (const name of ['portico_worker_requests_total', 'portico_worker_requests_in_flight', 'portico_worker_start_time_seconds', 'portico_worker_cpu_seconds_total', 'portico_worker_cpu_percent', 'portico_worker_resident_memory_bytes', 'portico_worker_open_fds', 'portico_worker_processes']) {
      assert.match(metrics, new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} [0-9.e+]+$`, 'm'), name);
    }
    assert.match(metrics, new RegExp(`^portico_worker_requests_total\\{app="shop",worker="shop#1"\\} 5$`, 'm'));
  });
});
