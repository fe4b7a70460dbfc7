import assert from 'node:assert/strict';
import type { Portico } from '@portico/portico';
import { until } from './helpers/frontClients.ts';
import { changed } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { holdUp, startLoadThread } from './helpers/stall.ts';

type Logs = Record<string, unknown>[];

const refusedPages = (logs: Logs, from = 0) => logs.slice(from).filter((l) => l['event'] === 'proxy.error_page');

/**
 * Resolves once each of the two fronts has sent a report that covers a period begun after this
 * call: 404s on new connections until each front has logged one and reported it, twice over (a
 * front's report counts its requests up to it; the next report's period begins after the first
 * one, which came after this call). Works only while nothing else asks for a 404.
 */
async function freshReports(portico: Portico, port: number, logs: Logs): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const from = logs.length;
    const fronts = new Set<unknown>();
    while (fronts.size < 2) {
      const logged = refusedPages(logs).length;
      await request(port, '/nothing-here');
      // Its log line crosses the front's channel after the response.
      await until(() => refusedPages(logs).length > logged);
      for (const line of refusedPages(logs, from)) fronts.add(line['front']);
    }
    const pages = refusedPages(logs).length;
    await until(() => (portico.metrics.counts('(none)')?.requests ?? 0) >= pages);
  }
}

/** What happened besides the 404s, for a failure's message. */
const events = (logs: Logs) => logs.flatMap((l) => (l['event'] === 'proxy.error_page' ? [] : [`${String(l['event'])}${l['front'] === undefined ? '' : ` (front ${String(l['front'])})`}`])).join(', ');

const workers = (portico: Portico) => portico.status().apps[0]!.workers;
/** An elastic app on /shop (404 elsewhere) from 1 to 2 workers, a worker busy with one request in flight. */
const elastic = (idleTime: number) => app('shop', { match: { path: '/shop' }, start: 'eager', processesPerApplication: 1, maxProcesses: 2, processIdleTime: idleTime, busyRequests: 1 });

// The control process's event loop held up for seconds (a long synchronous task, a GC pause, a
// debugger: a busy loop here, in the test's process, which is the control process) while the
// fronts go on serving. What the fronts sent meanwhile waits in their channels and is read at
// once after it: late, and all together.
describe('fronts: a control process held up', function () {
  this.timeout(180_000);
  afterEach(stopAllPorticos);

  // Before, the control counted a front's messages by when it read them: a front logging its full
  // budget of 1000 events a second (a client's stream of refused requests) for 8 s had more than
  // 5000 messages in its channel, read within one second, and was killed as a flood.
  it('reads the backlog of fronts logging their full budget as it was sent, not as a flood', async () => {
    const { portico, port, logs } = await startPortico({ fronts: 2, apps: [app('shop', { match: { path: '/shop' } })] });
    const pids = portico.status().fronts!.map((f) => f.pid);
    // Every request a 404 page, which a front logs (`proxy.error_page`), up to its budget.
    const load = startLoadThread(port, '/nothing-here', 8);
    load.run();
    try {
      await until(() => refusedPages(logs).length >= 1000);
      const [start, from, logged] = [performance.now(), load.answered(), logs.length];
      holdUp(() => performance.now() - start >= 8000 && load.answered() - from >= 18_000);
      // Read after the backlog: each front's report of its requests, once the load is over.
      await load.stop();
      const flooded = () => logs.some((l) => l['event'] === 'front.flooded');
      await until(() => flooded() || (portico.metrics.counts('(none)')?.requests ?? 0) >= load.answered() - load.failed());
      assert.equal(flooded(), false, JSON.stringify(logs.find((l) => l['event'] === 'front.flooded')));
      assert.deepEqual(
        portico.status().fronts!.map((f) => f.pid),
        pids,
        'no front was replaced',
      );
      // The attack was one: a front's backlog held more than the 5000 messages a second it may send.
      const byFront = [1, 2].map((front) => refusedPages(logs, logged).filter((l) => l['front'] === front).length);
      assert.ok(Math.max(...byFront) > 5000, `refused pages logged after the hold-up, per front: ${byFront.join(', ')}`);
    } finally {
      await load.stop();
    }
  });
});

// Late reports (issue 21): what the fronts reported while the control process was held up is read
// all at once after it, late. An elastic pool decides on the fronts' requests in flight and peaks.
describe('fronts: an elastic pool after the control process was held up', function () {
  this.timeout(180_000);
  afterEach(stopAllPorticos);

  // Before, the pool's first look after the hold-up (its timer, run before the channels are read)
  // took the fronts' reports from before it, quiet, for the whole time, and retired a worker the
  // fronts had needed during it; and each look read only the latest report's peak, so a burst
  // reported in a backlog (or between two looks, which are seconds apart) was lost.
  it('does not shrink on the reports from before the hold-up, nor lose a burst reported late', async () => {
    // Long enough that the checks after the hold-up end well within it on a loaded machine.
    const idleTime = 10;
    const { portico, port, logs } = await startPortico({ fronts: 2, apps: [elastic(idleTime)] });
    await changed(portico, () => workers(portico).filter((w) => w.state === 'ready').length === 1);
    const load = startLoadThread(port, '/shop?delay=300', 2);
    try {
      load.run();
      await changed(portico, () => workers(portico).filter((w) => w.state === 'ready').length === 2);
      load.pause();
      await until(() => load.inFlight() === 0);
      // The fronts' last reports before the hold-up show no need for the second worker.
      await freshReports(portico, port, logs);
      const start = performance.now();
      const from = load.answered();
      let paused: number | undefined;
      load.run();
      // Held up past processIdleTime from the last need before it: a burst that needs both
      // workers, then quiet for a few of the fronts' reports.
      holdUp(() => {
        if (paused === undefined && load.answered() - from >= 8) (load.pause(), (paused = performance.now()));
        return paused !== undefined && load.inFlight() === 0 && performance.now() - paused >= 2500 && performance.now() - start >= idleTime * 1000 + 1500;
      });
      // A request on a keep-alive connection the front closed while the load paused fails unseen by it.
      const answered = load.answered() - load.failed();
      // The backlog is read (the fronts' reports count every request of the burst), and after it
      // fresh reports, through the pool's looks (every second).
      await until(() => (portico.metrics.counts('shop')?.requests ?? 0) >= answered);
      await freshReports(portico, port, logs);
      assert.equal(logs.filter((l) => l['event'] === 'app.scaled_down').length, 0, `no worker retired on stale reports; events: ${events(logs)}`);
      assert.equal(workers(portico).length, 2);
      // Not double counted: /status and /metrics hold each request once.
      assert.equal(portico.metrics.counts('shop')?.requests, answered);
      assert.equal(portico.status().apps[0]!.requests, answered);
      // The pool still shrinks once the burst is processIdleTime behind.
      await changed(portico, () => workers(portico).length === 1);
    } finally {
      await load.stop();
    }
  });

  // Before, every report of the backlog was acted on as it was read: one that said the only
  // worker was busy grew the pool, though the reports after it, read in the same moment, said the
  // load was over.
  it('does not grow on a busy report that later reports of the same backlog contradict', async () => {
    const { portico, port, logs } = await startPortico({ fronts: 2, apps: [elastic(5)] });
    await changed(portico, () => workers(portico).filter((w) => w.state === 'ready').length === 1);
    let most = 1;
    const off = portico.onChange(() => (most = Math.max(most, workers(portico).length)));
    const load = startLoadThread(port, '/shop?delay=300', 1);
    try {
      const from = load.answered();
      let paused: number | undefined;
      load.run();
      // The only worker busy for a few of the fronts' reports, then quiet for a few more.
      holdUp(() => {
        if (paused === undefined && load.answered() - from >= 6) (load.pause(), (paused = performance.now()));
        return paused !== undefined && load.inFlight() === 0 && performance.now() - paused >= 3000;
      });
      // A request on a keep-alive connection the front closed while the load paused fails unseen by it.
      const answered = load.answered() - load.failed();
      await until(() => (portico.metrics.counts('shop')?.requests ?? 0) >= answered);
      await freshReports(portico, port, logs);
      assert.equal(most, 1, 'no worker started on a stale report');
      assert.equal(logs.filter((l) => l['event'] === 'app.scaled_up').length, 0, events(logs));
      assert.equal(portico.metrics.counts('shop')?.requests, answered);
    } finally {
      off();
      await load.stop();
    }
  });
});
