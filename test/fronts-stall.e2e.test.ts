import assert from 'node:assert/strict';
import { until } from './helpers/frontClients.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { holdUp, startLoadThread } from './helpers/stall.ts';

const refusedPages = (logs: readonly Record<string, unknown>[], from = 0) => logs.slice(from).filter((l) => l['event'] === 'proxy.error_page');

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
      await until(() => flooded() || portico.metrics.counts('(none)')?.requests === load.answered());
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
