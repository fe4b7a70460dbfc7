import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { systemClock } from '@portico/supervisor';
import { recyclingDefaults, WorkerPool, type WorkerPoolOptions } from '../src/index.ts';
import { backend, get, host, isAlive, waitForDeath } from './helpers.ts';

const pools: WorkerPool[] = [];

function pool(env: Record<string, string> = {}, options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  const created = new WorkerPool({
    worker: { app: 'shop', processPath: process.execPath, arguments: [backend], host, environmentVariables: env, shutdownTimeLimit: 2 },
    backoff: { min: 0, max: 0 },
    ...options,
  });
  pools.push(created);
  return created;
}

function logTo(lines: Record<string, unknown>[]) {
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return createLogger({ destination, pretty: false });
}

function until(p: WorkerPool, predicate: (p: WorkerPool) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate(p)) return resolve();
    const off = p.onChange(() => {
      if (!predicate(p)) return;
      off();
      resolve();
    });
  });
}

/** Resolves once `count` lines match: log lines come without a change the pool reports, so this looks every few ms. */
function logged(lines: readonly Record<string, unknown>[], match: (line: Record<string, unknown>) => boolean, count: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (lines.filter(match).length < count) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
}

describe('WorkerPool', function () {
  this.timeout(20_000);
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('starts nothing until start(), then publishes every ready worker with its own token', async () => {
    const p = pool({}, { processesPerApplication: 2 });
    assert.equal(p.state, 'idle');
    assert.equal(p.ready.length, 0);
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    assert.equal(p.state, 'ready');
    const [a, b] = p.ready;
    assert.notEqual(a!.pid, b!.pid);
    assert.notEqual(a!.token, b!.token);
    for (const upstream of p.ready) assert.equal((await get(upstream.endpoint)).body, `ok ${upstream.pid}`);
  });

  it('logs() gives each slot its process id and the tail of what it wrote', async () => {
    const p = pool({}, { processesPerApplication: 2 });
    assert.deepEqual(p.logs(), []);
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    const logs = p.logs();
    assert.deepEqual(logs.map((l) => [l.worker, l.pid]), p.status().map((s) => [s.id, s.pid]));
    for (const { pid, tail } of logs) assert.match(tail, new RegExp(`^backend ${pid} starting$`, 'm'));
  });

  it('replaces a killed worker and publishes the new one', async () => {
    const p = pool();
    await p.start();
    await until(p, (q) => q.ready.length === 1);
    const first = p.ready[0]!.pid;
    process.kill(first, 'SIGKILL');
    await until(p, (q) => q.ready.length === 1 && q.ready[0]!.pid !== first);
    assert.equal(p.status()[0]?.restarts, 1);
    assert.equal(p.lastExit?.signal, 'SIGKILL');
    assert.equal(p.lastExit?.kind, 'crashed');
  });

  it('fails after rapidFailsPerMinute restarts, says why, and starts again by itself at retryAt', async () => {
    const crashing = new WorkerPool({
      worker: { app: 'broken', processPath: '/bin/sh', arguments: ['-c', 'echo "no database" >&2; exit 4'], host },
      rapidFailsPerMinute: 2,
      backoff: { min: 0, max: 0 },
      // A failure counts as in a row within max of the last retry: 5 s, so that a slow machine's
      // three restarts still double the hold (0.5 s, then 1 s).
      retryFailed: { min: 0.5, max: 5 },
    });
    pools.push(crashing);
    await crashing.start();
    // Each hold is measured from the moment the pool entered failed (its history), not from
    // when this test saw it, which on a busy machine may be long after.
    const enteredFailed = () => crashing.history.states.filter((change) => change.state === 'failed').at(-1)!.at;
    await until(crashing, (q) => q.state === 'failed');
    const failedAt = enteredFailed();
    assert.equal(crashing.lastExit?.code, 4);
    assert.match(crashing.lastExit?.stderrTail ?? '', /no database/);
    assert.match(crashing.failure ?? '', /^3 restarts within 60 s passed rapidFailsPerMinute \(2\); last exit: failed to start, code 4$/);
    const retryAt = crashing.retryAt!;
    assert.ok(retryAt - failedAt > 400 && retryAt - failedAt <= 500, `retryAt is ${retryAt - failedAt} ms away`);
    await crashing.start();
    assert.equal(crashing.state, 'failed', 'a start() does not cut the hold short');
    await until(crashing, (q) => q.state === 'starting');
    assert.ok(systemClock.now() >= retryAt);
    assert.equal(crashing.retryAt, undefined);
    await until(crashing, (q) => q.state === 'failed');
    const secondHold = crashing.retryAt! - enteredFailed();
    assert.ok(secondHold > 900 && secondHold <= 1000, `the second hold in a row is doubled: ${secondHold} ms`);
  });

  // An operator's stop of a failed app ended its hold, and the resume that followed started it
  // without telling the retry schedule: a failure right after it came as if none came before
  // (the shortest hold again), where a resume straight from failed doubled it.
  for (const way of ['stop({ hold }) then start({ resume })', 'stop() then start()'] as const) {
    it(`counts a start after a failed app's stop as its retry: a failure right after it doubles the hold (${way})`, async () => {
      const crashing = new WorkerPool({
        worker: { app: 'broken', processPath: '/bin/sh', arguments: ['-c', 'exit 4'], host },
        rapidFailsPerMinute: 2,
        backoff: { min: 0, max: 0 },
        retryFailed: { min: 30, max: 300 },
      });
      pools.push(crashing);
      const enteredFailed = () => crashing.history.states.filter((change) => change.state === 'failed').at(-1)!.at;
      await crashing.start();
      await until(crashing, (q) => q.state === 'failed');
      const holdSeconds = () => Math.round((crashing.retryAt! - enteredFailed()) / 1000);
      assert.equal(holdSeconds(), 30);
      if (way === 'stop() then start()') {
        await crashing.stop();
        await crashing.start();
      } else {
        await crashing.stop({ hold: true });
        await crashing.start({ resume: true });
      }
      await until(crashing, (q) => q.state === 'failed');
      assert.equal(holdSeconds(), 60, 'the failure right after the start is the second in a row');
    });
  }

  // onChange fired when the ready list or the pool's state changed, or a process ended unasked:
  // a worker's spawn (its pid, while it starts) and a retired worker's asked exit (a rolling
  // restart's old process leaving the status) went untold, so a status feed or a front watching
  // the pool showed a worker that was gone until some other change came.
  it('tells its listeners every change its status shows: a spawn, a drain, an asked exit', async () => {
    const p = pool({}, { processesPerApplication: 2 });
    const shape = () => JSON.stringify(p.status().map((w) => [w.id, w.state, w.pid]));
    const told = new Set<string>([shape()]);
    const seen = new Set<string>();
    p.onChange(() => told.add(shape()));
    let watching = true;
    const watched = (async () => {
      while (watching) {
        seen.add(shape());
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    assert.deepEqual(await p.rollingRestart('restart'), { ok: true });
    await p.replacementsSettled();
    // The old workers drain and leave in the background: this waits for the status to show it.
    while (p.status().length !== 2 || p.status().some((w) => w.state !== 'ready')) await new Promise((resolve) => setImmediate(resolve));
    await p.stop();
    watching = false;
    await watched;
    const untold = [...seen].filter((status) => !told.has(status));
    assert.deepEqual(untold, [], `statuses no listener was told of; told: ${[...told].join('\n')}`);
    assert.equal([...told].at(-1), shape());
  });

  it('stops every worker, leaves no process behind, and is idempotent', async () => {
    const p = pool({}, { processesPerApplication: 2 });
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    const pids = p.ready.map((u) => u.pid);
    await Promise.all([p.stop(), p.stop()]);
    assert.equal(p.state, 'stopped');
    for (const pid of pids) await waitForDeath(pid);
    assert.ok(pids.every((pid) => !isAlive(pid)));
  });

  it('starts again after a stop', async () => {
    const p = pool();
    await p.start();
    await until(p, (q) => q.ready.length === 1);
    const first = p.ready[0]!.pid;
    await p.stop();
    await p.start();
    await until(p, (q) => q.ready.length === 1);
    assert.notEqual(p.ready[0]!.pid, first);
  });

  it('keeps a socket-activation worker on the same port across a restart', async () => {
    const p = pool({}, { worker: { app: 'sa', processPath: process.execPath, arguments: [backend], host, listenMode: 'socket-activation' } });
    await p.start();
    await until(p, (q) => q.ready.length === 1);
    const { endpoint, pid } = p.ready[0]!;
    process.kill(pid, 'SIGKILL');
    await until(p, (q) => q.ready.length === 1 && q.ready[0]!.pid !== pid);
    assert.deepEqual(p.ready[0]!.endpoint, endpoint);
  });

  it('logs worker and supervisor events with their catalogue ids', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const p = pool({}, { logger: createLogger({ destination, pretty: false }) });
    await p.start();
    await until(p, (q) => q.ready.length === 1);
    await p.stop();
    const events = lines.map((l) => l.event);
    for (const name of ['worker.spawned', 'worker.ready', 'supervisor.child_started', 'worker.shutdown_sent', 'worker.exited']) {
      assert.ok(events.includes(name), `${name} is logged`);
    }
    assert.ok(lines.every((l) => typeof l.eventId === 'number' && (l.app ?? l.supervisor) !== undefined));
  });

  it('starts again while starting: the starting workers stop before new ones start, one set at a time', async () => {
    const lines: Record<string, unknown>[] = [];
    const p = pool({ NEVER_LISTEN: '1' }, { processesPerApplication: 2, logger: logTo(lines) });
    await p.start();
    // A pid is logged as its process spawns (the pool tells listeners of ready workers, not of spawns).
    const spawned = (count: number) => logged(lines, (l) => l.event === 'worker.spawned', count);
    await spawned(2);
    const first = p.status().map((w) => w.pid!);
    assert.equal(await p.startAgain(), true);
    await spawned(4);
    const second = p.status().map((w) => w.pid);
    assert.ok(second.every((pid) => pid !== undefined && !first.includes(pid)), `a new set ${second} after ${first}`);
    assert.equal(p.state, 'starting');
    assert.ok(first.every((pid) => !isAlive(pid)), `the first set ${first} was stopped`);
    const order = lines.filter((l) => l.event === 'worker.spawned' || l.event === 'worker.exited').map((l) => l.event);
    assert.deepEqual(order.slice(0, 4).sort(), ['worker.exited', 'worker.exited', 'worker.spawned', 'worker.spawned'], `the first set ended before the second spawned: ${order}`);
    assert.deepEqual(order.slice(4), ['worker.spawned', 'worker.spawned']);
    await p.stop();
    assert.equal(await p.startAgain(), false, 'a pool not starting has no start to begin again');
  });

  it('recycles every worker at `time`, one at a time: ready workers never fall below the count, processes never pass it by more than one', async () => {
    const lines: Record<string, unknown>[] = [];
    const p = pool({}, { processesPerApplication: 2, recycling: { ...recyclingDefaults, time: 1 }, logger: logTo(lines) });
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    const first = new Set(p.ready.map((w) => w.pid));
    let fewestReady = 2;
    let mostProcesses = 2;
    const off = p.onChange(() => {
      fewestReady = Math.min(fewestReady, p.ready.length);
      mostProcesses = Math.max(mostProcesses, p.status().filter((w) => w.pid !== undefined).length);
    });
    await until(p, () => lines.filter((l) => l.event === 'worker.recycled' && first.has(l.workerPid as number)).length === 2);
    off();
    assert.equal(fewestReady, 2);
    assert.equal(mostProcesses, 3);
    const recycled = lines.filter((l) => l.event === 'worker.recycled').slice(0, 2);
    assert.deepEqual(recycled.map((l) => [l.worker, l.replacement, l.reason]), [['shop#1', 'shop#3', 'time'], ['shop#2', 'shop#1', 'time']], 'the lowest free name each time');
  });

  it('keeps the old worker serving when its replacement does not start, and says so', async () => {
    const lines: Record<string, unknown>[] = [];
    const marker = join(await mkdtemp(join(tmpdir(), 'pool-')), 'fail');
    const p = pool({ EXIT_IF_EXISTS: marker }, { recycling: { ...recyclingDefaults, requests: 1 }, logger: logTo(lines) });
    await p.start();
    await until(p, (q) => q.ready.length === 1);
    const [old] = p.ready;
    await writeFile(marker, '');
    // What the router does when a process answered its last allowed request.
    old!.load.served = old!.load.recycleAt!;
    old!.load.onRecycleAt!();
    await until(p, () => lines.some((l) => l.event === 'worker.recycle_failed'));
    await p.replacementsSettled();
    const failed = lines.find((l) => l.event === 'worker.recycle_failed')!;
    assert.equal(failed.worker, 'shop#1');
    assert.match(String(failed.error), /^shop#2 failed to start, code 1/);
    assert.deepEqual(p.ready.map((w) => w.pid), [old!.pid]);
    assert.deepEqual(p.status().map((w) => [w.id, w.state]), [['shop#1', 'ready']]);
  });

  it('restarts one worker at a time and stops at a replacement that cannot start, without counting it towards rapidFailsPerMinute', async () => {
    const lines: Record<string, unknown>[] = [];
    const marker = join(await mkdtemp(join(tmpdir(), 'pool-')), 'fail');
    const p = pool({ EXIT_IF_EXISTS: marker }, { processesPerApplication: 2, rapidFailsPerMinute: 0, logger: logTo(lines) });
    assert.equal(p.rollingRestart('restart'), undefined, 'a pool not serving has nothing to overlap');
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    const before = p.ready.map((w) => w.pid);
    assert.deepEqual(await p.rollingRestart('restart'), { ok: true });
    await p.replacementsSettled();
    const middle = p.ready.map((w) => w.pid);
    assert.ok(middle.length === 2 && middle.every((pid) => !before.includes(pid)), `${middle} replaced ${before}`);
    await writeFile(marker, '');
    const outcome = await p.rollingRestart('watch');
    assert.ok(outcome && !outcome.ok);
    assert.equal(outcome.failure.worker, 'shop#3', 'the first worker of the pool now (shop#1 was replaced by shop#3)');
    assert.equal(outcome.failure.exit?.kind, 'failed_to_start');
    assert.match(outcome.failure.error, /failed to start, code 1/);
    // rapidFailsPerMinute 0 gives up at the first counted restart: the failed replacement was not one.
    assert.equal(p.state, 'ready');
    assert.deepEqual(p.ready.map((w) => w.pid).sort(), [...middle].sort(), 'both workers serve on');
    assert.deepEqual(
      lines.filter((l) => l.event === 'worker.recycled').map((l) => l.reason),
      ['restart', 'restart'],
    );
  });

  // A pool that failed (rapidFailsPerMinute) while a rolling restart was under way told the restart
  // "the app stopped before every worker was replaced", as if an operator or Portico had stopped it:
  // the operator was not told that the app failed, nor why, nor what brings it back.
  it('tells a rolling restart that the app failed under it, why, and what starts it again', async () => {
    const hold = join(await mkdtemp(join(tmpdir(), 'pool-')), 'hold');
    // Workers started once `hold` exists never become ready: the restart's new worker waits.
    const script = `[ -e "$HOLD" ] && exec sleep 600; exec "${process.execPath}" "${backend}"`;
    const p = pool({ HOLD: hold }, { processesPerApplication: 2, rapidFailsPerMinute: 0, worker: { app: 'shop', processPath: '/bin/sh', arguments: ['-c', script], host, environmentVariables: { HOLD: hold }, shutdownTimeLimit: 2 } });
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    await writeFile(hold, '');
    const restart = p.rollingRestart('restart');
    await until(p, (q) => q.status().length === 3);
    // rapidFailsPerMinute 0: the first crash of a serving worker fails the app.
    process.kill(p.ready[1]!.pid, 'SIGKILL');
    const outcome = await restart;
    assert.ok(outcome && !outcome.ok);
    await until(p, (q) => q.state === 'failed');
    assert.match(outcome.failure.error, /^the app failed before every worker was replaced: 1 restart within 60 s passed rapidFailsPerMinute \(0\)/);
    assert.match(outcome.failure.error, /; it is started again by itself after its hold \(retryFailed\), or at once by portico restart once its cause is fixed$/);
  });

  // A rolling restart's new worker whose socket cannot be bound (EMFILE, say) made the
  // replacement reject: the restart never settled, and `portico restart` and every reload after
  // it waited for ever behind it.
  it('ends a rolling restart whose new worker cannot get its socket, and the old workers serve on', async () => {
    let binds = 0;
    const failingHost = {
      ...host,
      bindListenSocket: (endpoint: Parameters<typeof host.bindListenSocket>[0]) =>
        ++binds > 2 ? Promise.reject(new Error('EMFILE: too many open files, bind')) : host.bindListenSocket(endpoint),
    };
    const p = pool({}, { processesPerApplication: 2, worker: { app: 'sa', processPath: process.execPath, arguments: [backend], host: failingHost, listenMode: 'socket-activation', shutdownTimeLimit: 2 } });
    await p.start();
    await until(p, (q) => q.ready.length === 2);
    const before = p.ready.map((w) => w.pid);
    const outcome = await p.rollingRestart('restart');
    assert.ok(outcome && !outcome.ok, 'the restart ends, failed');
    assert.equal(outcome.failure.worker, 'sa#1');
    assert.match(outcome.failure.error, /EMFILE/);
    await p.replacementsSettled();
    assert.equal(p.state, 'ready');
    assert.deepEqual(p.ready.map((w) => w.pid), before, 'both old workers serve on');
    assert.deepEqual(p.status().map((w) => w.id), ['sa#1', 'sa#2'], "the new worker's name is free again");
  });
});
