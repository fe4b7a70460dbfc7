import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WorkerCrashedError, WorkerStartFailedError, WorkerStartupTimeoutError, exitOfError, type Endpoint, type ProcessHost } from '../src/index.ts';
import { backend, get, host, isAlive, startWorker, stopAllWorkers, waitForDeath } from './helpers.ts';

function endpointOf(w: ReturnType<typeof startWorker>): Endpoint {
  const endpoint = w.actor.getSnapshot().context.endpoint;
  assert.ok(endpoint, 'the worker has an endpoint');
  return endpoint;
}

describe('workerMachine', function () {
  this.timeout(20_000);
  afterEach(stopAllWorkers);

  describe('listen modes', () => {
    it('tcp: the backend listens on the port Portico chose and serves', async () => {
      const w = startWorker();
      await w.ready();
      const endpoint = endpointOf(w);
      assert.equal(endpoint.kind, 'tcp');
      const { body } = await get(endpoint);
      assert.equal(body, `ok ${w.actor.getSnapshot().context.pid}`);
    });

    it('unix: the backend listens on a socket in a directory only this user can enter', async () => {
      const w = startWorker({}, { listenMode: 'unix' });
      await w.ready();
      const endpoint = endpointOf(w);
      assert.equal(endpoint.kind, 'unix');
      if (endpoint.kind !== 'unix') return;
      assert.equal((await stat(dirname(endpoint.path))).mode & 0o777, 0o700);
      assert.match((await get(endpoint)).body, /^ok \d+$/);
    });

    it('socket-activation: the backend gets fd 3 and a request sent before it listens is answered', async () => {
      const socket = await host.bindListenSocket({ kind: 'tcp', host: '127.0.0.1', port: 0 });
      try {
        const w = startWorker({ LISTEN_DELAY_MS: '300' }, { listenMode: 'socket-activation', listenSocket: socket });
        // Sent at once: the kernel queues it on Portico's socket until the backend accepts.
        const early = get(socket.endpoint, '/env');
        const env = JSON.parse((await early).body) as Record<string, string>;
        assert.equal(env.LISTEN_FDS, '1');
        assert.equal(env.LISTEN_PID, String(w.actor.getSnapshot().context.pid));
        assert.equal(env.PORT, undefined, 'no PORT: the backend must not bind one itself');
        await w.ready();
      } finally {
        await socket.close();
      }
    });
  });

  describe('environment', () => {
    it('gives the contract variables, over the app’s and Portico’s own', async () => {
      process.env.PORTICO_TEST_INHERITED = 'from-parent';
      const w = startWorker({ FROM_APP: 'app', PORTICO_TEST_INHERITED: 'overridden', PORT: '1' }, { applPath: '/shop' });
      await w.ready();
      const env = JSON.parse((await get(endpointOf(w), '/env')).body) as Record<string, string>;
      const { endpoint, token } = w.actor.getSnapshot().context;
      assert.equal(env.FROM_APP, 'app');
      assert.equal(env.PORTICO_TEST_INHERITED, 'overridden');
      assert.equal(env.PORT, String(endpoint?.kind === 'tcp' && endpoint.port), 'the contract wins over the app');
      assert.equal(env.PORTICO_PORT, env.PORT);
      assert.equal(env.PORTICO_TOKEN, token);
      assert.match(env.PORTICO_TOKEN ?? '', /^[A-Za-z0-9_-]{32}$/);
      assert.equal(env.PORTICO_APPL_PATH, '/shop');
      assert.equal(env.ASPNETCORE_TOKEN, undefined);
      delete process.env.PORTICO_TEST_INHERITED;
    });

    it('gives each process a fresh token', async () => {
      const a = startWorker();
      const b = startWorker();
      await Promise.all([a.ready(), b.ready()]);
      assert.notEqual(a.actor.getSnapshot().context.token, b.actor.getSnapshot().context.token);
    });

    it('adds the ASPNETCORE_* variables in aspnetcore compat and stops through the shutdown request', async () => {
      const w = startWorker({}, { compat: 'aspnetcore', applPath: '/api' });
      await w.ready();
      const env = JSON.parse((await get(endpointOf(w), '/env')).body) as Record<string, string>;
      assert.equal(env.ASPNETCORE_PORT, env.PORT);
      assert.equal(env.ASPNETCORE_TOKEN, env.PORTICO_TOKEN);
      assert.equal(env.ASPNETCORE_APPL_PATH, '/api');
      w.actor.send({ type: 'portico.shutdown' });
      const { snapshot } = await w.ended();
      assert.equal(snapshot.status, 'done');
      assert.equal(snapshot.output?.worker?.code, 0);
      assert.ok(w.emitted.some((e) => e.type === 'worker.shutdown_sent' && e.method === 'aspnetcore-request'));
      assert.match(snapshot.output?.worker?.kind ?? '', /stopped/);
    });
  });

  describe('readiness', () => {
    it('tcp probe: ready within a few ms of the backend listening', async () => {
      const w = startWorker({ LISTEN_DELAY_MS: '200' });
      await w.ready();
      const ready = w.emitted.find((e) => e.type === 'worker.ready');
      assert.ok(ready?.type === 'worker.ready' && ready.startupMs >= 200);
    });

    it('http: ready when the health path answers 2xx to a request with the token', async () => {
      const w = startWorker({}, { readiness: { kind: 'http', path: '/health' } });
      await w.ready();
    });

    it('notify over IPC: a Node backend calls process.send("ready")', async () => {
      const w = startWorker({}, {
        processPath: process.execPath,
        arguments: ['-e', "process.send('ready'); setInterval(() => {}, 1000)"],
        readiness: { kind: 'notify' },
      });
      await w.ready();
    });

    it('notify over the pipe: any program writes READY=1 to PORTICO_NOTIFY_FD', async () => {
      const w = startWorker({}, {
        processPath: '/bin/sh',
        arguments: ['-c', 'echo READY=1 >&"$PORTICO_NOTIFY_FD"; exec sleep 30'],
        readiness: { kind: 'notify' },
      });
      await w.ready();
    });
  });

  describe('leaving routing', () => {
    // Issue 15: the dead worker stayed `ready` until its output was on disk.
    it('leaves ready the moment its process is gone, before the exit is reported', async () => {
      const w = startWorker();
      await w.ready();
      const seen: string[] = [];
      w.actor.subscribe((s) => seen.push(s.status === 'active' ? JSON.stringify(s.value) : s.status));
      process.kill(w.actor.getSnapshot().context.pid!, 'SIGKILL');
      await w.ended();
      assert.deepEqual(seen.slice(0, 2), [JSON.stringify({ live: 'lost' }), 'done']);
    });

    it('is probed again after a refused connect and comes back when it answers', async () => {
      const w = startWorker();
      await w.ready();
      w.actor.send({ type: 'worker.unreachable' });
      assert.ok(w.actor.getSnapshot().matches({ live: 'reprobing' }));
      await w.ready();
      assert.equal(w.actor.getSnapshot().context.pid !== undefined, true);
    });
  });

  describe('exits', () => {
    it('classifies a backend that dies before ready as failed to start, with its stderr tail', async () => {
      const w = startWorker({}, { processPath: '/bin/sh', arguments: ['-c', 'echo "config missing" >&2; exit 3'] });
      const { snapshot, failure } = await w.ended();
      assert.equal(snapshot.status, 'done');
      assert.equal(snapshot.output?.exit, 'crash');
      assert.ok(failure instanceof WorkerStartFailedError);
      const exit = exitOfError(failure);
      assert.equal(exit?.kind, 'failed_to_start');
      assert.equal(exit?.code, 3);
      assert.match(exit?.stderrTail ?? '', /config missing/);
    });

    it('classifies a command that does not exist as failed to start, naming the spawn error', async () => {
      const w = startWorker({}, { processPath: '/nonexistent/backend' });
      const { failure } = await w.ended();
      assert.ok(failure instanceof WorkerStartFailedError);
      assert.match(exitOfError(failure)?.spawnError ?? '', /ENOENT/);
    });

    it('emits worker.exited and stops probing when the process dies (regression: a thrown error dropped the event and left the probe running)', async () => {
      const w = startWorker({}, { processPath: '/bin/sh', arguments: ['-c', 'exit 7'] });
      await w.ended();
      const exited = w.emitted.find((e) => e.type === 'worker.exited');
      assert.ok(exited?.type === 'worker.exited' && exited.exit.code === 7);
      assert.equal(w.actor.getSnapshot().children.process, undefined);
    });

    it('classifies a backend that dies after ready as crashed, with code, uptime and stderr tail', async () => {
      // The crash is asked for once the worker is ready: a crash on a timer could come before a
      // busy machine's readiness check saw the port, and then it is a failed start.
      const spawnedBefore = Date.now();
      const w = startWorker();
      await w.ready();
      await get(endpointOf(w), '/crash').catch(() => undefined);
      const { failure } = await w.ended();
      assert.ok(failure instanceof WorkerCrashedError);
      const exit = exitOfError(failure);
      assert.equal(exit?.kind, 'crashed');
      assert.equal(exit?.code, 3);
      assert.ok(exit?.uptimeMs !== undefined && exit.uptimeMs > 0 && exit.uptimeMs <= Date.now() - spawnedBefore, `uptime ${exit?.uptimeMs}`);
      // Whole milliseconds, as the log and status print it (it was 4979.7595, the monotonic clock's fraction).
      assert.ok(Number.isInteger(exit.uptimeMs), `uptime ${exit.uptimeMs}`);
      assert.match(exit?.stderrTail ?? '', /backend \d+ starting/);
    });

    it('kills a backend that never listens once startupTimeLimit passes', async () => {
      const w = startWorker({ NEVER_LISTEN: '1' }, { startupTimeLimit: 0.5 });
      const { failure } = await w.ended();
      assert.ok(failure instanceof WorkerStartupTimeoutError);
      assert.equal(exitOfError(failure)?.signal, 'SIGKILL');
      assert.ok(w.emitted.some((e) => e.type === 'worker.startup_timeout'));
    });
  });

  describe('stopping', () => {
    it('stops gracefully with SIGTERM and ends with a shutdown output', async () => {
      const w = startWorker();
      await w.ready();
      const pid = w.actor.getSnapshot().context.pid!;
      w.actor.send({ type: 'portico.shutdown' });
      const { snapshot } = await w.ended();
      assert.equal(snapshot.status, 'done');
      assert.deepEqual({ ...snapshot.output, worker: undefined, exitedAt: undefined }, { exit: 'shutdown', worker: undefined, exitedAt: undefined });
      assert.equal(snapshot.output?.exitedAt, snapshot.output?.worker?.exitedAt, 'the supervisor dates the exit when the process exited');
      assert.equal(snapshot.output?.worker?.code, 0);
      assert.equal(snapshot.output?.worker?.killed, false);
      assert.ok(!isAlive(pid));
    });

    it('kills the process group of a backend that ignores SIGTERM after shutdownTimeLimit', async () => {
      const w = startWorker({ IGNORE_SIGTERM: '1' }, { shutdownTimeLimit: 0.3 });
      await w.ready();
      w.actor.send({ type: 'portico.shutdown' });
      const { snapshot } = await w.ended();
      assert.equal(snapshot.output?.worker?.signal, 'SIGKILL');
      assert.equal(snapshot.output?.worker?.killed, true);
      assert.ok(w.emitted.some((e) => e.type === 'worker.graceful_shutdown_failed'));
    });

    it('leaves no grandchild running after a stop', async () => {
      const w = startWorker({ GRANDCHILD: '1', IGNORE_SIGTERM: '1' }, { shutdownTimeLimit: 0.2 });
      await w.ready();
      const stdout = w.actor.getSnapshot().context.capture!.tail();
      const grandchild = Number(/grandchild (\d+)/.exec(stdout)?.[1]);
      assert.ok(isAlive(grandchild));
      w.actor.send({ type: 'portico.shutdown' });
      await w.ended();
      await waitForDeath(grandchild);
    });

    it('kills the process group when the actor is stopped outright', async () => {
      const w = startWorker({ GRANDCHILD: '1' });
      await w.ready();
      const { pid, capture } = w.actor.getSnapshot().context;
      const grandchild = Number(/grandchild (\d+)/.exec(capture!.tail())?.[1]);
      w.actor.stop();
      await waitForDeath(pid!);
      await waitForDeath(grandchild);
    });

    it('drains before stopping: it stops only once in-flight requests reach zero', async () => {
      const load = { inFlight: 1 };
      const w = startWorker();
      await w.ready();
      const actor = w.actor;
      // The router would have passed this box in; emulate one request still in flight.
      Object.assign(actor.getSnapshot().context.load, load);
      actor.send({ type: 'portico.shutdown' });
      assert.ok(actor.getSnapshot().matches({ live: 'draining' }));
      actor.getSnapshot().context.load.inFlight = 0;
      actor.send({ type: 'worker.idle' });
      const { snapshot } = await w.ended();
      assert.equal(snapshot.output?.worker?.code, 0);
    });
  });

  describe('port collisions', () => {
    it('starts again on another port, without counting a crash, when the chosen port was taken', async () => {
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      const taken = (squatter.address() as net.AddressInfo).port;
      let first = true;
      const collidingHost: ProcessHost = {
        ...host,
        allocatePort: async () => (first ? ((first = false), taken) : host.allocatePort()),
      };
      try {
        const w = startWorker({}, { host: collidingHost });
        await w.ready();
        const endpoint = endpointOf(w);
        assert.ok(endpoint.kind === 'tcp' && endpoint.port !== taken);
        assert.ok(w.emitted.some((e) => e.type === 'worker.port_in_use_retry'));
        assert.equal(w.actor.getSnapshot().status, 'active');
      } finally {
        squatter.close();
      }
    });
  });

  describe('output', () => {
    it('writes stdout and stderr to <stdoutLogFile>_<timestamp>_<pid>.log', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-out-'));
      const w = startWorker({}, { output: { stdoutLogEnabled: true, stdoutLogFile: join(dir, 'logs', 'stdout') } });
      await w.ready();
      const pid = w.actor.getSnapshot().context.pid!;
      w.actor.send({ type: 'portico.shutdown' });
      await w.ended();
      const files = await readdir(join(dir, 'logs'));
      assert.equal(files.length, 1);
      assert.match(files[0]!, new RegExp(`^stdout_\\d{14}_${pid}\\.log$`));
      const text = await readFile(join(dir, 'logs', files[0]!), 'utf8');
      assert.match(text, /backend \d+ starting/);
      assert.match(text, /listening/);
      assert.match(text, /SIGTERM: closing/);
    });
  });

  it('uses the fixture backend by path', () => assert.ok(backend.endsWith('backend.mjs')));
});
