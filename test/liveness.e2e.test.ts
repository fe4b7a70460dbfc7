import assert from 'node:assert/strict';
import { changed } from './helpers/load.ts';
import { app, json, request, startPortico, stopAllPorticos, type Started } from './helpers/portico.ts';
import { isAlive } from './helpers/processes.ts';

/** Resolves with the first log line that satisfies `match`, among those logged so far or later. */
async function logged(started: Started, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (;;) {
    const line = started.logs.find(match);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function gone(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
}

const at = (line: Record<string, unknown>) => Date.parse(String(line['time']));

const readyPid = (started: Started) => started.portico.status().apps[0]?.workers.find((w) => w.state === 'ready')?.pid;

// Issue 18, "Liveness": a worker can be alive and never answer (a stuck event loop). Before, a
// hung worker stayed in routing for good: every request to it waited for requestTimeout.
describe('liveness', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('replaces a hung worker (alive, listening, never answering) within interval × failures + startup, and names the reason', async () => {
    const liveness = { kind: 'http', path: '/health', pingInterval: 0.3, pingResponseTime: 0.3, failureThreshold: 3 };
    // A long shutdownTimeLimit: the new worker must not wait for the hung one's end.
    const started = await startPortico({ apps: [app('shop', { start: 'eager', liveness, shutdownTimeLimit: 4 })] });
    const { portico, port, logs } = started;
    await changed(portico, () => readyPid(started) !== undefined);
    const hung = json(await request(port, '/hang')).pid;
    const hungAt = Date.now();
    // In flight to the hung worker (or waiting for the next): answered by the new one.
    const inFlight = request(port, '/after');

    const event = await logged(started, (l) => l['event'] === 'worker.unresponsive' && l['workerPid'] === hung);
    assert.match(String(event['reason']), /GET \/health .*3 times in a row/);
    assert.equal(event['eventId'], 1030);
    const ready = await logged(started, (l) => l['event'] === 'worker.ready' && l['workerPid'] !== hung && at(l) >= hungAt);
    const spawned = logs.find((l) => l['event'] === 'worker.spawned' && l['workerPid'] === ready['workerPid'])!;
    // The hung worker's stop (SIGTERM, which its blocked loop never handles) waits 4 s for it;
    // the new one is spawned long before: it does not wait for the old one's end.
    assert.ok(at(spawned) - at(event) < 4_000, 'the new worker was spawned while the hung one was being stopped');

    const bound = (liveness.pingInterval * liveness.failureThreshold + liveness.pingResponseTime) * 1000;
    const startup = Number(ready['startupMs']);
    // Backoff before the slot's first restart is at most 0.12 s; 1 s more for a loaded machine.
    const took = at(ready) - hungAt;
    assert.ok(took <= bound + startup + 1_120, `replaced after ${took} ms; bound ${bound} ms + startup ${startup} ms`);

    const answer = await inFlight;
    assert.equal(answer.status, 200, answer.body);
    assert.notEqual(json(answer).pid, hung);
    const exit = portico.status().apps[0]?.exits?.at(-1);
    assert.ok(exit);
    assert.equal(exit.kind, 'unresponsive');
    assert.equal(exit.pid, hung);
    // Then stopped: killed after shutdownTimeLimit, since its loop never runs the SIGTERM handler.
    await gone(hung);
  });

  it('replaces a worker whose watchdog keep-alives stop (systemd\'s WATCHDOG=1 on the notify channel)', async () => {
    const started = await startPortico({
      apps: [app('shop', { start: 'eager', readiness: { kind: 'notify' }, liveness: { kind: 'watchdog', watchdogSec: 0.4 }, shutdownTimeLimit: 1 })],
    });
    const { portico, port } = started;
    await changed(portico, () => readyPid(started) !== undefined);
    const first = json(await request(port, '/')).pid;
    // Keep-alives every 0.1 s keep it: a second request still reaches the same process.
    const hung = json(await request(port, '/hang')).pid;
    assert.equal(hung, first);
    const event = await logged(started, (l) => l['event'] === 'worker.unresponsive' && l['workerPid'] === hung);
    assert.match(String(event['reason']), /WATCHDOG=1.*0\.4 s/);
    const next = await request(port, '/');
    assert.equal(next.status, 200);
    assert.notEqual(json(next).pid, hung);
    await gone(hung);
  });

  it("replaces a worker whose keep-alives over Node's IPC (process.send('watchdog')) stop, and not while they come", async () => {
    // Ready and keep-alives over IPC, as a Node backend under PM2 says ready; /hang blocks its loop.
    const ipcBackend =
      "const http = require('node:http');" +
      "http.createServer((q, s) => { s.end(String(process.pid)); if (q.url === '/hang') s.on('finish', () => setImmediate(() => { for (;;); })); })" +
      ".listen(Number(process.env.PORT), '127.0.0.1', () => process.send('ready'));" +
      "setInterval(() => process.send('watchdog'), Number(process.env.WATCHDOG_USEC) / 4000);";
    const started = await startPortico({
      apps: [app('shop', { arguments: ['-e', ipcBackend], start: 'eager', readiness: { kind: 'notify' }, liveness: { kind: 'watchdog', watchdogSec: 1 }, shutdownTimeLimit: 1 })],
    });
    const { portico, port } = started;
    await changed(portico, () => readyPid(started) !== undefined);
    const first = Number((await request(port, '/')).body);
    // Two and a half watchdogSec later the same process still serves: the keep-alives were heard
    // (a wait for nothing to happen; keep-alives every 0.25 s leave room for a loaded machine).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(Number((await request(port, '/')).body), first);
    assert.ok(!started.logs.some((l) => l['event'] === 'worker.unresponsive'), 'no keep-alive was missed');
    assert.equal(Number((await request(port, '/hang')).body), first);
    const event = await logged(started, (l) => l['event'] === 'worker.unresponsive' && l['workerPid'] === first);
    assert.match(String(event['reason']), /WATCHDOG=1.*\(1 s\)/);
    await gone(first);
  });

  it('leaves a worker that answers its pings in place', async () => {
    const started = await startPortico({
      // A ping answered is never counted as a failure, however quickly it comes; the time to an
      // answer is generous, since a ping answered after 1 s on a machine at load 15 (CI) failed.
      apps: [app('shop', { start: 'eager', liveness: { kind: 'http', path: '/health', pingInterval: 0.05, pingResponseTime: 5, failureThreshold: 2 } })],
    });
    await changed(started.portico, () => readyPid(started) !== undefined);
    const pid = readyPid(started)!;
    // Twenty requests at least 50 ms apart span many ping intervals.
    for (let i = 0; i < 20; i++) {
      assert.equal(json(await request(started.port, '/?delay=50')).pid, pid);
    }
    assert.ok(!started.logs.some((l) => l['event'] === 'worker.unresponsive'));
  });
});
