import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { until } from './helpers/frontClients.ts';
import { changed, startLoad } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Issue 18, "Recycling, overlapped": a worker that leaks memory, or has answered its quota of
// requests, is replaced the way a rolling restart replaces it, with no failed request.
const resourceBackend = fileURLToPath(new URL('./fixtures/resource-backend.mjs', import.meta.url));

const leaky = (recycling: Record<string, unknown>, env: Record<string, string> = {}) =>
  app('shop', { arguments: [resourceBackend], start: 'eager', recycling, environmentVariables: env });

/** Resolves once a log line with `event` (and `match`) has been written. */
function logged(logs: Record<string, unknown>[], event: string, portico: { onChange(l: () => void): () => void }, match: (line: Record<string, unknown>) => boolean = () => true) {
  const find = () => logs.find((l) => l['event'] === event && match(l));
  return new Promise<Record<string, unknown>>((resolve) => {
    const check = () => {
      const line = find();
      if (line) {
        off();
        clearInterval(poll);
        resolve(line);
      }
    };
    const off = portico.onChange(check);
    // A log line is written without a status change: look again when the loop next turns.
    const poll = setInterval(check, 20);
    check();
  });
}

const readyWorkers = (portico: { status(): { apps: readonly { workers: readonly { state: string }[] }[] } }) => portico.status().apps[0]!.workers.filter((w) => w.state === 'ready').length;

describe('recycling', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticos);
  before(function () {
    if (process.platform !== 'linux') this.skip(); // memory is read from /proc
  });

  it('recycles a worker that leaks memory under load, the new one ready before the old stops, with no failed request', async () => {
    const { portico, port, logs } = await startPortico({ sampleInterval: 0.05, apps: [leaky({ memory: 120, memorySamples: 2 }, { LEAK_MB_PER_REQUEST: '2' })] });
    const load = startLoad(port, '/', 4);
    const line = await logged(logs, 'app.recycling', portico);
    await changed(portico, () => load.tally.pids.length >= 2);
    const tally = await load.stop();
    assert.equal(line['reason'], 'memory');
    assert.match(String(line['detail']), /^shop#1 held \d+ MiB, above 120 MiB, for 2 samples$/);
    assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
    assert.ok(tally.ok > 0, 'the load was answered');
    const recycled = logs.find((l) => l['event'] === 'worker.recycled');
    assert.deepEqual([recycled?.['worker'], recycled?.['replacement'], recycled?.['reason']], ['shop#1', 'shop#2', 'memory'], 'worker.recycled names the worker, its replacement and the reason');
    // Overlapped: after the recycle began, the new worker was ready before the old one was asked to stop.
    const after = logs.slice(logs.indexOf(line));
    const ready = after.findIndex((l) => l['event'] === 'worker.ready');
    const stopAsked = after.findIndex((l) => l['event'] === 'worker.shutdown_sent');
    assert.ok(ready > 0 && stopAsked > ready, `ready at ${ready}, stop asked at ${stopAsked}: ${JSON.stringify(after.slice(0, 14).map((l) => [l['event'], l['workerPid'], l['app'] ?? l['supervisor'], l['childId']]))}`);
  });

  it('restarts a worker in its slot when the limit is passed again right after a recycle, counting it, with no failed request', async () => {
    const { portico, port, logs } = await startPortico({ sampleInterval: 0.05, apps: [leaky({ memory: 120, memorySamples: 2 }, { LEAK_MB_PER_REQUEST: '2' })] });
    const load = startLoad(port, '/', 4);
    const again = await logged(logs, 'worker.memory_limit_again', portico);
    await changed(portico, () => portico.status().apps[0]!.workers[0]!.restarts >= 1 && portico.status().apps[0]!.state === 'ready');
    const tally = await load.stop();
    assert.equal(again['worker'], 'shop#2', 'the replacement of shop#1, under the lowest free name');
    assert.equal(logs.filter((l) => l['event'] === 'app.recycling').length, 1, 'recycled once, not looped on');
    assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
  });

  it('replaces the workers of a 3-worker app one at a time under load: never fewer than 3 ready, never more than 4 processes, no failed request', async () => {
    const { portico, port, logs } = await startPortico({ apps: [leaky({ requests: 40 }, {})].map((a) => ({ ...a, processesPerApplication: 3 })) });
    await changed(portico, () => readyWorkers(portico) === 3);
    let fewest = 3;
    const off = portico.onChange(() => {
      fewest = Math.min(fewest, readyWorkers(portico));
    });
    const load = startLoad(port, '/', 6);
    // Every first process answered its 40 requests and was replaced, and the load went on after.
    const first = new Set(portico.status().apps[0]!.workers.map((w) => w.pid));
    await changed(portico, () => logs.filter((l) => l['event'] === 'worker.recycled' && first.has(l['workerPid'] as number)).length === 3);
    const tally = await load.stop();
    off();
    assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
    assert.ok(fewest >= 3, `ready workers fell to ${fewest}`);
    // Processes alive at once, from the log: spawned +1, exited -1.
    let alive = 0;
    let most = 0;
    for (const line of logs) {
      if (line['event'] === 'worker.spawned') most = Math.max(most, ++alive);
      if (line['event'] === 'worker.exited') alive--;
    }
    assert.ok(most <= 4, `${most} processes alive at once: the workers were not replaced one at a time`);
  });

  it('recycles after the number of requests one process may answer', async () => {
    const { portico, port, logs } = await startPortico({ apps: [leaky({ requests: 5 })] });
    const first = JSON.parse((await request(port, '/')).body).pid as number;
    for (let i = 1; i < 5; i++) assert.equal(JSON.parse((await request(port, '/')).body).pid, first);
    const line = await logged(logs, 'app.recycling', portico);
    assert.equal(line['reason'], 'requests');
    assert.equal(line['detail'], 'shop#1 answered 5 requests');
    // Looked for, not waited for with `changed`: the old worker's asked exit changes no pool
    // state, so no onChange came for it until the next resource sample, 5 s later.
    await until(() => portico.status().apps[0]!.workers[0]!.pid !== first && portico.status().apps[0]!.state === 'ready');
    const reply = await request(port, '/');
    assert.equal(reply.status, 200);
    assert.notEqual(JSON.parse(reply.body).pid, first);
  });
});
