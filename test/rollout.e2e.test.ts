import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico, type PorticoConfig } from '@portico/portico';
import { until } from './helpers/frontClients.ts';
import { answered, changed, startLoad } from './helpers/load.ts';
import { admin as adminGet, app, echoBackend, json, request } from './helpers/portico.ts';

const launcher = fileURLToPath(new URL('../packages/portico/bin/portico.js', import.meta.url));

/** Runs the real `portico` command line, as an operator's shell would. */
function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    // A safety net only: a rolling restart of three workers takes seconds, but a minute on a machine at load 25.
    execFile(process.execPath, [launcher, ...args], { env, timeout: 80_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

interface Running {
  readonly portico: Portico;
  readonly port: number;
  /** The admin socket, which the commands take as `-a PATH` and which needs no token. */
  readonly admin: string;
  readonly logs: Record<string, unknown>[];
  /** What the next `POST /reload` (and SIGHUP) loads. */
  next: PorticoConfig;
  readonly resolve: (input: Record<string, unknown>) => PorticoConfig;
}

const running: Portico[] = [];

async function start(apps: Record<string, unknown>[], waitReady = true): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-rollout-'));
  const resolve = (input: Record<string, unknown>) =>
    resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: 0, host: '127.0.0.1', socket: join(dir, 'run', 'admin.sock') }, ...input }, { file: join(dir, 'portico.json'), baseDir: dir });
  const config = resolve({ apps });
  const logs: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const state = { next: config } as { next: PorticoConfig };
  const portico = createPortico(config, { logger: createLogger({ destination, pretty: false }), loadConfig: async () => state.next });
  running.push(portico);
  const started = await portico.start();
  if (waitReady) await changed(portico, () => portico.ready());
  return Object.assign(state, { portico, port: started.listen[0]!.port, admin: started.admin!.socket, logs, resolve });
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The pids a file lists, one per line; none while it does not exist yet. */
const readPids = (file: string): number[] => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const shopPids = (portico: Portico) => portico.status().apps[0]!.workers.map((w) => w.pid);
const readyPids = (portico: Portico) => portico.status().apps[0]!.workers.filter((w) => w.state === 'ready').map((w) => w.pid);
const readyCount = (portico: Portico) => portico.status().apps[0]!.workers.filter((w) => w.state === 'ready').length;

/** The processes of the echo backend alive now: this process's children running it (the workers). */
function backendProcesses(): number {
  let count = 0;
  for (const task of readdirSync('/proc/self/task')) {
    let children: string[];
    try {
      children = readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean);
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const pid of children) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(echoBackend)) count++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return count;
}

/**
 * Samples, until `stop()`, the backend processes alive (from /proc) and the app's ready workers
 * (from status), at every change Portico reports and every few milliseconds between, keeping the
 * most processes and the fewest ready seen.
 */
function watchCounts(portico: Portico) {
  const seen = { mostProcesses: 0, fewestReady: Number.POSITIVE_INFINITY };
  const sample = () => {
    seen.mostProcesses = Math.max(seen.mostProcesses, backendProcesses());
    seen.fewestReady = Math.min(seen.fewestReady, readyCount(portico));
  };
  const off = portico.onChange(sample);
  const timer = setInterval(sample, 5);
  sample();
  return {
    seen,
    stop: () => {
      off();
      clearInterval(timer);
      return seen;
    },
  };
}

/**
 * Runs `portico restart shop` while six clients keep asking, from a hundred answers before it to
 * a hundred after, and says what the command answered, the counts `watchCounts` saw meanwhile and
 * the load's tally.
 */
async function restartUnderLoad(portico: Portico, port: number, admin: string) {
  const load = startLoad(port, '/', 6);
  await answered(load.tally, 100);
  const counts = watchCounts(portico);
  try {
    const run = await cli(['restart', '-a', admin, 'shop']);
    await answered(load.tally, 100);
    return { run, seen: counts.stop(), tally: await load.stop() };
  } finally {
    // A failed command leaves no load running into the next test's stop.
    counts.stop();
    await load.stop();
  }
}

/** Resolves once `count` log lines match (log lines come without a status change, so this looks every few ms). */
function logged(logs: readonly Record<string, unknown>[], match: (line: Record<string, unknown>) => boolean, count = 1): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (logs.filter(match).length < count) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
}

/** The most workers alive at once by the log: each `worker.spawned` adds one, each `worker.exited` takes one away. */
function mostAliveByLog(logs: readonly Record<string, unknown>[]): number {
  let alive = 0;
  let most = 0;
  for (const line of logs) {
    if (line['event'] === 'worker.spawned') most = Math.max(most, ++alive);
    if (line['event'] === 'worker.exited') alive--;
  }
  return most;
}

// Issue 16, "Operators can act" and "Reload is a rollout".
describe('rollouts under load', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  it('portico restart APP moves traffic to new workers with no failed request', async () => {
    const shop = app('shop', { start: 'eager', processesPerApplication: 2 });
    const { portico, port, admin } = await start([shop]);
    const before = shopPids(portico);
    const load = startLoad(port, '/', 8);
    await answered(load.tally, 100);
    const run = await cli(['restart', '-a', admin, 'shop']);
    await answered(load.tally, 100);
    const tally = await load.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'shop restarted: new workers are serving\n');
    // Done once the new workers serve; the last old one may still be draining.
    const after = readyPids(portico);
    assert.ok(after.every((pid) => pid !== undefined && !before.includes(pid)), `new workers ${after} replaced ${before}`);
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    assert.ok(tally.pids.some((pid) => after.includes(pid)), 'the new workers served');
  });

  it('portico stop APP holds the app down (503, no start by request) until portico start APP', async () => {
    const { portico, port, admin } = await start([app('shop', { start: 'eager' })]);
    const stopped = await cli(['stop', '-a', admin, 'shop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(portico.status().apps[0]!.state, 'stopped');
    const refused = await request(port, '/');
    assert.equal(refused.status, 503);
    assert.match(refused.body, /stopped by its operator/);
    assert.equal(portico.status().apps[0]!.state, 'stopped', 'a request started the stopped app');
    const started = await cli(['start', '-a', admin, 'shop']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(portico.status().apps[0]!.state, 'ready');
    assert.equal((await request(port, '/')).status, 200);
    const unknown = await cli(['restart', '-a', admin, 'shp']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no app named "shp"; the apps are: shop/);
  });

  // Failed before: it printed "shop stopped" though the backend had been SIGKILLed at its
  // shutdownTimeLimit, which only the log said.
  it('portico stop APP says which workers it had to kill, and why', async () => {
    const { admin } = await start([app('shop', { start: 'eager', processesPerApplication: 2, shutdownTimeLimit: 1, environmentVariables: { IGNORE_SIGTERM: '1' } })]);
    const stopped = await cli(['stop', '-a', admin, 'shop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    const why = 'the backend did not exit within shutdownTimeLimit (1 s) of SIGTERM; its process group was killed with SIGKILL';
    assert.equal(stopped.stdout, `shop stopped, 2 of its workers by force: requests get 503 until portico start shop\n  shop#2: ${why}\n  shop#1: ${why}\n`);
    const started = await cli(['start', '-a', admin, 'shop']);
    assert.equal(started.code, 0, started.stderr);
    const again = await cli(['stop', '-a', admin, 'shop']);
    assert.equal(again.stdout, `shop stopped, 2 of its workers by force: requests get 503 until portico start shop\n  shop#2: ${why}\n  shop#1: ${why}\n`, 'each stop reports its own');
    // A stop of an app already stopped ended nothing: it repeated the last stop's kills.
    const already = await cli(['stop', '-a', admin, 'shop']);
    assert.equal(already.stdout, 'shop stopped: requests get 503 until portico start shop\n', 'a stop that stopped nothing reports no kills');
  });

  for (const command of ['restart', 'start'] as const) {
    it(`portico ${command} APP ends a failed state at once`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-fixed-'));
      const okFile = join(dir, 'ok');
      const broken = app('shop', {
        start: 'eager',
        processPath: '/bin/sh',
        arguments: ['-c', 'test -f "$OK_FILE" || exit 1; exec "$NODE" "$ECHO"'],
        environmentVariables: { OK_FILE: okFile, NODE: process.execPath, ECHO: echoBackend },
        rapidFailsPerMinute: 0,
        restart: { retryFailed: { min: 3600, max: 3600 } },
      });
      const { portico, port, admin } = await start([broken], false);
      await changed(portico, () => portico.status().apps[0]!.state === 'failed');
      await writeFile(okFile, '');
      const run = await cli([command, '-a', admin, 'shop']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(portico.status().apps[0]!.state, 'ready');
      assert.equal((await request(port, '/')).status, 200);
    });
  }

  it('a reload to a version that cannot start leaves the old one serving, with no failed request, and says so', async () => {
    const good = app('shop', { start: 'eager', environmentVariables: { VERSION: '1' } });
    const running = await start([good]);
    const { portico, port, admin, logs } = running;
    const before = shopPids(portico);
    running.next = running.resolve({
      apps: [app('shop', { start: 'eager', environmentVariables: { VERSION: '2', CRASH_AT_START: '1' } })],
    });
    const load = startLoad(port, '/', 8);
    await answered(load.tally, 100);
    const reload = await cli(['reload', '-a', admin]);
    await answered(load.tally, 100);
    const tally = await load.stop();
    assert.equal(reload.code, 1);
    assert.match(reload.stderr, /rollout of shop failed: shop#1 failed to start, code 3: fatal: cannot open database/);
    assert.deepEqual(shopPids(portico), before, 'the old workers still serve');
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    const shop = portico.status().apps[0]!;
    assert.equal(shop.state, 'ready');
    assert.match(shop.rollout?.message ?? '', /^rollout of shop failed: shop#1 failed to start, code 3/);
    const event = logs.find((l) => l['event'] === 'app.rollout_failed');
    assert.ok(event, 'an app.rollout_failed event');
    assert.equal(event['oldKeepsServing'], true);
    // The reload's own line listed shop among the apps rolled over, which it was not.
    const reloaded = logs.find((l) => l['event'] === 'config.reloaded');
    assert.deepEqual([reloaded?.['changed'], reloaded?.['failedRollouts']], [[], ['shop']]);
    const table = await cli(['status', '-a', admin]);
    assert.match(table.stdout, /^shop: rollout of shop failed: shop#1 failed to start, code 3/m);
    // The new version's worker was named as the old one that serves on: portico logs showed its
    // fatal line under shop#1, as if the serving worker had written it.
    const lines = (await adminGet(admin, '/logs/lines?app=shop')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { worker: string; pid: number; line: string });
    const fatal = lines.filter((l) => l.line.startsWith('fatal: cannot open database'));
    assert.ok(fatal.length > 0, 'the failed worker\'s line is kept');
    assert.deepEqual([...new Set(fatal.map((l) => l.worker))], ['shop#1 (rollout)']);
    assert.ok(lines.filter((l) => l.worker === 'shop#1').every((l) => before.includes(l.pid)), 'only the serving process is shop#1');
  });

  // The other way a rollout fails (issue 16, "Reload is a rollout"): the new version runs but is
  // never ready. Its worker is killed at startupTimeLimit and the old one serves on.
  it('a reload to a version that is not ready within startupTimeLimit leaves the old one serving, and says so', async () => {
    const running = await start([app('shop', { start: 'eager', startupTimeLimit: 1, environmentVariables: { VERSION: '1' } })]);
    const { portico, port, admin, logs } = running;
    const before = shopPids(portico);
    running.next = running.resolve({
      apps: [app('shop', { start: 'eager', startupTimeLimit: 1, environmentVariables: { VERSION: '2', LISTEN_DELAY_MS: '600000' } })],
    });
    const reload = await cli(['reload', '-a', admin]);
    assert.equal(reload.code, 1, reload.stdout);
    assert.match(reload.stderr, /rollout of shop failed: shop#1 was not ready within startupTimeLimit \(1 s\)/);
    assert.deepEqual(shopPids(portico), before, 'the old workers still serve');
    assert.equal(json(await request(port, '/')).pid, before[0]);
    assert.match(portico.status().apps[0]!.rollout?.message ?? '', /^rollout of shop failed: shop#1 was not ready within startupTimeLimit/);
    assert.ok(logs.some((l) => l['event'] === 'app.rollout_failed' && l['oldKeepsServing'] === true), 'an app.rollout_failed event');
  });
});

// Restart is rolling, one worker at a time (issue 16, "Operators can act"; issue 18, "Recycling,
// overlapped"): a 3-worker app never runs 6 processes while it restarts.
describe('portico restart replaces workers one at a time', function () {
  this.timeout(90_000);
  before(function () {
    if (process.platform !== 'linux') this.skip(); // processes are counted from /proc
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  it('restarts a 3-worker app under load with never fewer than 3 ready, never more than 4 processes, and no failed request', async () => {
    const { portico, port, admin, logs } = await start([app('shop', { start: 'eager', processesPerApplication: 3 })]);
    await changed(portico, () => readyCount(portico) === 3);
    const before = shopPids(portico);
    const { run, seen, tally } = await restartUnderLoad(portico, port, admin);
    assert.equal(run.code, 0, run.stderr);
    const after = readyPids(portico);
    assert.equal(after.length, 3);
    assert.ok(after.every((pid) => pid !== undefined && !before.includes(pid)), `new workers ${after} replaced ${before}`);
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    assert.ok(seen.fewestReady >= 3, `ready workers fell to ${seen.fewestReady}`);
    assert.ok(seen.mostProcesses <= 4, `${seen.mostProcesses} backend processes alive at once: the workers were not replaced one at a time`);
    assert.ok(mostAliveByLog(logs) <= 4, `${mostAliveByLog(logs)} workers alive at once by the log`);
    assert.deepEqual(
      logs.filter((l) => l['event'] === 'worker.recycled').map((l) => [l['workerPid'], l['reason']]),
      before.map((pid) => [pid, 'restart']),
      'each old worker was replaced in turn, and the log says why',
    );
  });

  it('stops at a replacement that cannot start: the old workers left keep serving, the replaced slot keeps its new one, and the restart is reported failed', async () => {
    // Every start is counted in a file; the fifth (the second replacement) and later ones fail.
    const dir = await mkdtemp(join(tmpdir(), 'portico-starts-'));
    const shop = app('shop', {
      start: 'eager',
      processesPerApplication: 3,
      processPath: '/bin/sh',
      arguments: ['-c', 'n=$(cat "$STARTS" 2>/dev/null | wc -l); echo "$$" >> "$STARTS"; if [ "$n" -ge 4 ]; then echo "fatal: start $n refused" >&2; exit 3; fi; exec "$NODE" "$ECHO"'],
      environmentVariables: { STARTS: join(dir, 'starts'), NODE: process.execPath, ECHO: echoBackend },
    });
    const { portico, port, admin, logs } = await start([shop]);
    await changed(portico, () => readyCount(portico) === 3);
    const before = shopPids(portico);
    const { run, seen, tally } = await restartUnderLoad(portico, port, admin);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /rollout of shop failed: shop#\d, replacing shop#2, failed to start, code 3: fatal: start 4 refused/);
    assert.equal(tally.failed, 0, `${tally.failed} of ${tally.requests} failed: ${tally.errors.join(' | ')}`);
    assert.ok(seen.fewestReady >= 3, `ready workers fell to ${seen.fewestReady}`);
    assert.ok(seen.mostProcesses <= 4, `${seen.mostProcesses} backend processes alive at once`);
    const shopStatus = portico.status().apps[0]!;
    assert.equal(shopStatus.state, 'ready');
    const after = shopPids(portico);
    assert.equal(after.length, 3, `workers now: ${after}`);
    assert.equal(after.filter((pid) => !before.includes(pid)).length, 1, `one slot has a new worker: before ${before}, after ${after}`);
    assert.deepEqual(after.filter((pid) => before.includes(pid)).sort(), before.slice(1).sort(), 'the workers not reached keep serving');
    assert.match(shopStatus.rollout?.message ?? '', /^rollout of shop failed: shop#\d, replacing shop#2, failed to start, code 3/);
    const event = logs.find((l) => l['event'] === 'app.rollout_failed');
    assert.ok(event, 'an app.rollout_failed event');
    assert.equal(event['reason'], 'restart');
    assert.equal(event['oldKeepsServing'], true);
    const table = await cli(['status', '-a', admin]);
    assert.match(table.stdout, /^shop: rollout of shop failed: shop#\d, replacing shop#2/m);
  });

  // Regression: a restart asked while the app's workers were still starting (none ready) started
  // a whole new set beside the starting one: 4 processes for a 2-worker app, 2N where a restart
  // promises at most N + 1.
  it('restarts an app that is still starting from the start: the starting workers stop and one new set, from the current files, starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-slow-start-'));
    const delayFile = join(dir, 'listen-delay-ms');
    const readBy = join(dir, 'read-by');
    // The app reads how long it takes to listen from a file at each start: first an hour (a start
    // stuck on something), then, once the operator has fixed it, 300 ms. Each start notes its pid
    // once it has read the file: a first worker that read the fix would be ready before the
    // restart, and the app serving (a rolling restart, whose last old worker drains after it).
    // (`$$$$` is the shell's `$$`: the config reads `$$` as a literal `$`.)
    await writeFile(delayFile, '3600000');
    const shop = app('shop', {
      start: 'eager',
      processesPerApplication: 2,
      startupTimeLimit: 600,
      processPath: '/bin/sh',
      arguments: ['-c', 'LISTEN_DELAY_MS=$(cat "$DELAY_FILE"); export LISTEN_DELAY_MS; echo $$$$ >> "$READ_BY"; exec "$NODE" "$ECHO"'],
      environmentVariables: { DELAY_FILE: delayFile, READ_BY: readBy, NODE: process.execPath, ECHO: echoBackend },
    });
    const { portico, port, admin, logs } = await start([shop], false);
    await logged(logs, (l) => l['event'] === 'worker.spawned', 2);
    const first = shopPids(portico);
    await until(() => first.every((pid) => readPids(readBy).includes(pid!)));
    assert.equal(portico.status().apps[0]!.state, 'starting');
    const waiting = request(port, '/');
    await writeFile(delayFile, '300');
    const counts = watchCounts(portico);
    const run = await cli(['restart', '-a', admin, 'shop']);
    const reply = await waiting;
    const seen = counts.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(reply.status, 200, 'the request that waited through the restart is answered by the new set');
    const shopStatus = portico.status().apps[0]!;
    assert.equal(shopStatus.state, 'ready');
    const after = readyPids(portico);
    assert.equal(after.length, 2);
    assert.ok(after.every((pid) => !first.includes(pid)), `new workers ${after} replaced the starting ones ${first}`);
    assert.ok(seen.mostProcesses <= 3, `${seen.mostProcesses} backend processes alive at once: the new set started beside the starting one`);
    assert.ok(first.every((pid) => pid !== undefined && !isAlive(pid)), `the starting workers ${first} were stopped`);
    assert.ok(mostAliveByLog(logs) <= 3, `${mostAliveByLog(logs)} workers alive at once by the log`);
    assert.equal(logs.filter((l) => l['event'] === 'worker.spawned').length, 4, 'one new set, no more');
    assert.ok(logs.some((l) => l['event'] === 'app.rolled_out' && l['reason'] === 'restart'), 'the restart is reported as a rollout');
  });

  it('portico stop during a restart removes the new worker that is not ready yet instead of waiting for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-starts-'));
    // The third start (the first replacement) is never ready; startupTimeLimit would wait 10 minutes.
    const shop = app('shop', {
      start: 'eager',
      processesPerApplication: 2,
      startupTimeLimit: 600,
      processPath: '/bin/sh',
      arguments: ['-c', 'n=$(cat "$STARTS" 2>/dev/null | wc -l); echo "$$" >> "$STARTS"; if [ "$n" -ge 2 ]; then export LISTEN_DELAY_MS=3600000; fi; exec "$NODE" "$ECHO"'],
      environmentVariables: { STARTS: join(dir, 'starts'), NODE: process.execPath, ECHO: echoBackend },
    });
    const { portico, logs } = await start([shop]);
    const restarting = portico.restart('shop');
    await logged(logs, (l) => l['event'] === 'worker.spawned' && l['workerPid'] !== undefined, 3);
    await portico.stop();
    const result = await restarting;
    assert.equal(result.ok, false);
    assert.match(result.errors?.join() ?? '', /^Portico is stopping/);
    const exits = logs.filter((l) => l['event'] === 'worker.exited');
    assert.equal(exits.length, 3, JSON.stringify(exits));
    assert.ok(exits.every((l) => l['expected'] === true), `every worker was stopped, none timed out: ${JSON.stringify(exits.map((l) => l['exit']))}`);
  });
});
