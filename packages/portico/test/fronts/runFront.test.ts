import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { SimulatedClock } from '@portico/supervisor';
import { freePort } from '@portico/test-support';
import { resolveConfig } from '../../src/config/loadConfig.ts';
import type { ControlMessage, FrontMessage, PoolView } from '../../src/fronts/FrontMessage.ts';
import { runFront } from '../../src/fronts/runFront.ts';
import { readyPoolView } from './readyPoolView.ts';

/** A front run on `clock`, with a channel that keeps what it sends; `listenHandle`, where its `listen` entries' sockets are. */
function front(clock: SimulatedClock, listenHandle?: (entry: number) => object | undefined) {
  const sent: FrontMessage[] = [];
  const listeners: ((message: ControlMessage) => void)[] = [];
  const state = { exited: false };
  runFront({ send: (message) => sent.push(message), pending: () => 0, onMessage: (listener) => listeners.push(listener), exit: () => (state.exited = true) }, clock, listenHandle);
  return { sent, state, tell: (message: ControlMessage) => listeners.forEach((listener) => listener(message)) };
}

describe('runFront', () => {
  // Issue 21's review: the report every second ran on Node's timer, not the injected clock.
  it('reports its figures every second of its clock', () => {
    const clock = new SimulatedClock();
    const { sent, tell } = front(clock);
    clock.advance(999);
    assert.equal(sent.length, 0);
    clock.advance(1);
    assert.deepEqual(sent.map((m) => m.type), ['metrics']);
    clock.advance(2000);
    assert.deepEqual(sent.map((m) => m.type), ['metrics', 'metrics', 'metrics']);
    tell({ type: 'close' });
  });

  // The leak review of issue 21: a `routes` message waited for the routes before it on a promise
  // while a `pool` message sent after it was applied at once, so the routes' older view of the
  // pool replaced the newer one, and a worker gone from the pool (stopped, drained by a rollout)
  // was routed to again until the pool's next change.
  it('applies the control messages in the order they were sent: a pool change after new routes is not undone by them', async () => {
    const clock = new SimulatedClock();
    // Listening on a port of its own, not on an inherited socket.
    const { sent, state, tell } = front(clock, () => undefined);
    const config = resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
    const idled = () => sent.filter((m) => m.type === 'worker.idle').map((m) => (m as { pid: number }).pid);
    tell({ type: 'init', index: 1, config, subrequestMark: 'mark', logLevels: ['info'], seriesDropped: 0, stopping: false });
    tell({ type: 'routes', id: 1, apps: [{ key: 'shop', config: config.apps[0]!, view: readyPoolView(10) }], limits: config.limits });
    await until(() => sent.some((m) => m.type === 'routes.applied'));
    // New routes, with worker 10 still in the pool, then at once the pool without it.
    tell({ type: 'routes', id: 2, apps: [{ key: 'shop', config: config.apps[0]!, view: readyPoolView(10, 11) }], limits: config.limits });
    tell({ type: 'pool', key: 'shop', view: readyPoolView(11) });
    await until(() => sent.filter((m) => m.type === 'routes.applied').length === 2);
    assert.deepEqual(idled(), [10]);
    // The next change of the pool finds worker 10 already gone: it is not let go a second time.
    tell({ type: 'pool', key: 'shop', view: readyPoolView(11, 12) });
    await until(() => true);
    assert.deepEqual(idled(), [10]);
    tell({ type: 'close' });
    await until(() => state.exited);
  });

  // Found in review: a front reported the requests waiting for a worker only for the apps it had
  // counted a request of, so an app that had answered none there (its first start, the cold
  // start /status is watched for) showed a queueDepth of 0 however many waited. Failed before:
  // the report said {} with one request waiting.
  it('reports the requests waiting for a worker of an app that has answered none yet', async () => {
    const clock = new SimulatedClock();
    const port = await freePort();
    const { sent, state, tell } = front(clock, () => undefined);
    const config = resolveConfig({ listen: [{ port, host: '127.0.0.1' }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
    const idle: PoolView = { state: 'idle', ready: [], lastExit: undefined, retryIn: undefined, held: false };
    tell({ type: 'init', index: 1, config, subrequestMark: 'mark', logLevels: ['info'], seriesDropped: 0, stopping: false });
    tell({ type: 'routes', id: 1, apps: [{ key: 'shop', config: config.apps[0]!, view: idle }], limits: config.limits });
    await until(() => sent.some((m) => m.type === 'listening'));
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    try {
      client.write('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n');
      // The request waits for the pool's start, which the front asks of the control.
      await until(() => sent.some((m) => m.type === 'pool.start'));
      clock.advance(1000);
      const report = sent.findLast((m) => m.type === 'metrics');
      assert.deepEqual(report?.type === 'metrics' && report.waiting, { shop: 1 });
    } finally {
      client.destroy();
      tell({ type: 'close' });
      await until(() => state.exited);
    }
  });

  // Once every front has stopped accepting at Portico's stop, the control closes its copies of the
  // listening sockets, and a front it starts then (a restart in the drain) gets none: were it to
  // listen on its inherited socket's fd, it would fail to start, and be restarted again and again
  // until the stop ended. It listens on nothing, and says its start is over.
  it('listens on nothing once started in the stop, and its start is over all the same', async () => {
    const clock = new SimulatedClock();
    const port = await freePort();
    const { sent, state, tell } = front(clock, () => undefined);
    const config = resolveConfig({ listen: [{ port, host: '127.0.0.1' }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
    const idle: PoolView = { state: 'idle', ready: [], lastExit: undefined, retryIn: undefined, held: false };
    tell({ type: 'init', index: 1, config, subrequestMark: 'mark', logLevels: ['info'], seriesDropped: 0, stopping: true });
    tell({ type: 'routes', id: 1, apps: [{ key: 'shop', config: config.apps[0]!, view: idle }], limits: config.limits });
    try {
      await until(() => sent.some((m) => m.type === 'routes.applied'));
      assert.deepEqual(sent.filter((m) => m.type === 'listening').length, 1);
      const refused = await new Promise<string | undefined>((resolve) => {
        const client = net.connect(port, '127.0.0.1');
        client.on('connect', () => (client.destroy(), resolve('connected')));
        client.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      });
      assert.equal(refused, 'ECONNREFUSED');
    } finally {
      tell({ type: 'close' });
      await until(() => state.exited);
    }
  });

  // At Portico's stop the fronts' routers drained only at accept.stop, after the app commands and
  // reloads under way: meanwhile a request that had to wait for a worker waited, and the front
  // asked the control to start its app. `drain` drains the router at once, and those of later routes.
  it('answers 503 to the requests waiting for a worker at drain, and to those after it, still listening', async () => {
    const clock = new SimulatedClock();
    const port = await freePort();
    const { sent, state, tell } = front(clock, () => undefined);
    const config = resolveConfig({ listen: [{ port, host: '127.0.0.1' }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
    const idle: PoolView = { state: 'idle', ready: [], lastExit: undefined, retryIn: undefined, held: false };
    const starts = () => sent.filter((m) => m.type === 'pool.start').length;
    tell({ type: 'init', index: 1, config, subrequestMark: 'mark', logLevels: ['info'], seriesDropped: 0, stopping: false });
    tell({ type: 'routes', id: 1, apps: [{ key: 'shop', config: config.apps[0]!, view: idle }], limits: config.limits });
    try {
      await until(() => sent.some((m) => m.type === 'listening'));
      const waiting = get(port);
      await until(() => starts() === 1);
      tell({ type: 'drain' });
      assert.equal(await waiting, 503);
      tell({ type: 'routes', id: 2, apps: [{ key: 'shop', config: config.apps[0]!, view: idle }], limits: config.limits });
      await until(() => sent.filter((m) => m.type === 'routes.applied').length === 2);
      assert.equal(await get(port), 503);
      assert.equal(starts(), 1, 'an app start was asked after the drain');
    } finally {
      tell({ type: 'close' });
      await until(() => state.exited);
    }
  });

  // A front's RequestMetrics kept a series for every app name it ever served: an operator who
  // renames apps at each reload grew every front for good. The control's `series.drop` (sent once
  // a removed app has drained, as it drops its own) now drops the front's, and its reports say so.
  it('drops an app\'s request series when the control says so, and its reports say from which drop on', async () => {
    const backend = http.createServer((_req, res) => res.end('ok'));
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    // The front listens on this socket, as on one it inherits from the control.
    const socket = net.createServer();
    socket.listen(0, '127.0.0.1');
    await once(socket, 'listening');
    const { port } = socket.address() as AddressInfo;
    const clock = new SimulatedClock();
    const { sent, state, tell } = front(clock, () => socket);
    const base = resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });
    const view: PoolView = {
      state: 'ready',
      ready: [{ id: 'app#1#1', pid: 10, endpoint: { kind: 'tcp', host: '127.0.0.1', port: (backend.address() as AddressInfo).port }, token: 't' }],
      lastExit: undefined,
      retryIn: undefined,
      held: false,
    };
    const routed = (name: string) => ({ key: name, config: { ...base.apps[0]!, name }, view });
    const reports = () => sent.filter((m) => m.type === 'metrics');
    const report = async () => {
      const before = reports().length;
      clock.advance(1000);
      await until(() => reports().length > before);
      return reports().at(-1)!;
    };
    tell({ type: 'init', index: 1, config: base, subrequestMark: 'mark', logLevels: ['info'], seriesDropped: 3, stopping: false });
    for (let reload = 1; reload <= 10; reload++) {
      // Each reload renames the app; the control drops the old name's series once it has drained.
      tell({ type: 'routes', id: reload, apps: [routed(`app${reload}`)], limits: base.limits });
      await until(() => sent.some((m) => m.type === 'routes.applied' && m.id === reload));
      if (reload > 1) tell({ type: 'series.drop', id: 3 + reload - 1, app: `app${reload - 1}` });
      assert.equal(await get(port), 200);
    }
    const last = await report();
    assert.deepEqual(Object.keys(last.type === 'metrics' ? last.requests : {}), ['app10'], 'only the app routed now has a series');
    assert.equal(last.type === 'metrics' && last.dropped, 12);
    assert.equal(last.type === 'metrics' && last.answered, 10, 'the requests of the dropped apps are still answered ones');
    tell({ type: 'close' });
    await until(() => state.exited);
    backend.close();
    socket.close();
  });
});

/** The status of a GET on a connection of its own, closed after it (the front's close waits for none). */
function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** Waits (turns of the event loop, at most a second) until `done()`. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(done(), 'the condition came true');
}
