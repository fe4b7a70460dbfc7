import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changed, startLoad } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// A new worker started beside the others (a recycle's replacement, an elastic pool's growth) that
// cannot start is a refused start, not counted towards rapidFailsPerMinute (c7a6eef). What asks for
// the next one must not turn an app broken on disk into a spawn storm: the tries wait 1 s, 2 s,
// 4 s… (docs/worker.md, "New workers that fail to start"), while the old workers serve on.
const resourceBackend = fileURLToPath(new URL('./fixtures/resource-backend.mjs', import.meta.url));

type Line = Record<string, unknown>;

/** When each log line was first seen (the lines carry no time): looked for every 10 ms. */
const seenAt = new WeakMap<Line, number>();
let stamping: ReturnType<typeof setInterval> | undefined;
function stamp(logs: Line[]): void {
  clearInterval(stamping);
  stamping = setInterval(() => {
    for (let i = logs.length - 1; i >= 0 && !seenAt.has(logs[i]!); i--) seenAt.set(logs[i]!, Date.now());
  }, 10);
}
const at = (line: Line) => seenAt.get(line) ?? Number.NaN;
/** Lines are stamped up to 10 ms late (more on a loaded machine): gaps get this much slack. */
const stampSlackMs = 100;

/**
 * Resolves with the log lines of `event` once there are `count` of them (and they are stamped);
 * rejects after a minute, a safety net that also ends the polling, so a failed test lets mocha exit.
 */
function logged(logs: Line[], event: string, count: number): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const lines = logs.filter((l) => l['event'] === event && seenAt.has(l));
      if (lines.length < count) return;
      clearInterval(poll);
      clearTimeout(late);
      resolve(lines);
    };
    // A log line is written without a status change: look as the loop turns.
    const poll = setInterval(check, 20);
    const late = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`${count} ${event} expected within 60 s, got ${logs.filter((l) => l['event'] === event).length}`));
    }, 60_000);
    check();
  });
}

/** Each failed start announced its next try (`retryIn`, s, doubling from 1) and none came sooner. */
function assertBackedOff(failures: Line[]): void {
  const waits = failures.map((l) => l['retryIn']);
  assert.deepEqual(waits.slice(0, 3), [1, 2, 4], `retryIn doubles from 1 s: ${JSON.stringify(failures.map((l) => [l['failures'], l['retryIn']]))}`);
  assert.deepEqual(failures.map((l) => l['failures']).slice(0, 3), [1, 2, 3]);
  for (let i = 1; i < failures.length; i++) {
    const gap = at(failures[i]!) - at(failures[i - 1]!);
    assert.ok(gap >= Number(waits[i - 1]) * 1000 - stampSlackMs, `try ${i + 1} failed ${gap} ms after try ${i}, which announced ${waits[i - 1]} s`);
  }
}

const brokenMarker = async () => join(await mkdtemp(join(tmpdir(), 'replacement-backoff-')), 'broken');

describe('new workers that fail to start', function () {
  this.timeout(90_000);
  afterEach(async () => {
    await stopAllPorticos();
    clearInterval(stamping);
  });

  it('retries a memory recycle whose replacement cannot start after 1, 2, 4 s, not at every sample, while the old worker serves', async function () {
    if (process.platform !== 'linux') this.skip(); // memory is read from /proc
    const marker = await brokenMarker();
    const { portico, port, logs } = await startPortico({
      sampleInterval: 0.05,
      apps: [app('shop', { arguments: [resourceBackend], start: 'eager', recycling: { memory: 100, memorySamples: 1 }, environmentVariables: { LEAK_MB_PER_REQUEST: '1', EXIT_IF_EXISTS: marker } })],
    });
    stamp(logs);
    await changed(portico, () => portico.status().apps[0]!.state === 'ready');
    await writeFile(marker, '');
    // Leaks 1 MiB a request until the worker is above its limit; then a few requests, no more.
    const load = startLoad(port, '/', 2);
    await logged(logs, 'worker.recycle_failed', 1).finally(() => load.stop());
    const tally = load.tally;
    assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
    const failures = await logged(logs, 'worker.recycle_failed', 4);
    const wait = portico.status().apps[0]!.newWorkerWait;
    assertBackedOff(failures);
    assert.equal(wait?.failures, 4, 'status says how many failed, while the next waits 8 s');
    assert.ok(wait.retryAt > Date.now(), `the next try is to come: ${JSON.stringify(wait)}`);
    assert.equal((await request(port, '/')).status, 200, 'the old worker serves on');
    assert.equal(portico.status().apps[0]!.state, 'ready');
  });

  // Regression: the router asks for a requests recycle once, as a process answers its
  // `requests`-th request; one whose replacement failed was never asked again, and the worker
  // served on for ever past its limit.
  it('retries a requests recycle whose replacement cannot start after 1, 2, 4 s, not at every request, and replaces the worker once the app starts again', async () => {
    const marker = await brokenMarker();
    const { portico, port, logs } = await startPortico({
      apps: [app('shop', { arguments: [resourceBackend], start: 'eager', recycling: { requests: 30 }, environmentVariables: { EXIT_IF_EXISTS: marker } })],
    });
    stamp(logs);
    await changed(portico, () => portico.status().apps[0]!.state === 'ready');
    const [first] = portico.status().apps[0]!.workers;
    await writeFile(marker, '');
    // Requests go on past the limit all along: hundreds a second, each of which could have asked.
    const load = startLoad(port, '/', 2);
    let failures: Line[];
    let recycled: Line | undefined;
    try {
      failures = await logged(logs, 'worker.recycle_failed', 3);
      assertBackedOff(failures);
      assert.deepEqual(failures.map((l) => [l['worker'], l['reason']]), Array(3).fill(['shop#1', 'requests']));
      await rm(marker);
      [recycled] = await logged(logs, 'worker.recycled', 1);
    } finally {
      await load.stop();
    }
    const tally = load.tally;
    assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
    assert.ok(tally.requests > 300, `the requests went on meanwhile: ${tally.requests}`);
    assert.deepEqual([recycled!['worker'], recycled!['workerPid'], recycled!['reason']], ['shop#1', first!.pid, 'requests'], 'the worker past its limit was replaced');
    assert.ok(at(recycled!) - at(failures.at(-1)!) >= Number(failures.at(-1)!['retryIn']) * 1000 - stampSlackMs, 'the try that worked waited its turn too');
    const tries = logs.filter((l) => l['event'] === 'app.recycling' && at(l) <= at(recycled!));
    assert.equal(tries.length, 4, `one ask per try, not one per request: ${tries.length}`);
    assert.equal(logs.filter((l) => l['event'] === 'worker.recycle_failed').length, 3, 'no try failed after the app was repaired');
  });

  it('grows an elastic pool whose new worker cannot start after 1, 2, 4 s, not at every busy request, and grows once the app starts again', async () => {
    const marker = await brokenMarker();
    const { portico, port, logs } = await startPortico({
      apps: [app('shop', { start: 'eager', processesPerApplication: 1, maxProcesses: 2, processIdleTime: 60, busyRequests: 1, environmentVariables: { EXIT_IF_EXISTS: marker } })],
    });
    stamp(logs);
    await changed(portico, () => portico.status().apps[0]!.state === 'ready');
    await writeFile(marker, '');
    // Every request makes the one worker busy: each asks for growth.
    const load = startLoad(port, '/?delay=100', 3);
    let failures: Line[];
    let up: Line | undefined;
    try {
      failures = await logged(logs, 'app.scale_failed', 4);
      assertBackedOff(failures);
      await rm(marker);
      [up] = await logged(logs, 'app.scaled_up', 1);
    } finally {
      await load.stop();
    }
    const tally = load.tally;
    assert.equal(tally.failed, 0, `failed: ${tally.errors.join('; ')}`);
    assert.ok(at(up!) - at(failures.at(-1)!) >= Number(failures.at(-1)!['retryIn']) * 1000 - stampSlackMs, 'the growth that worked waited its turn too');
    assert.equal(logs.filter((l) => l['event'] === 'app.scale_failed').length, 4, 'no try failed after the app was repaired');
  });
});
