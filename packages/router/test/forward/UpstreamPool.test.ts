import assert from 'node:assert/strict';
import { once } from 'node:events';
import { UpstreamPool, type UpstreamConnection } from '@portico/router/internal';
import { SimulatedClock } from '@portico/supervisor';
import { closeAll, startRawBackend, upstreamAt, type RawBackend } from './harness.ts';

describe('UpstreamPool', () => {
  let backend: RawBackend;
  let pool: UpstreamPool;

  beforeEach(async () => {
    backend = await startRawBackend(() => {});
  });
  afterEach(async () => {
    pool.close();
    await closeAll();
  });

  async function connected(p: UpstreamPool): Promise<UpstreamConnection> {
    const c = p.connect(upstreamAt(backend.port, 'b'));
    await once(c.socket, 'connect');
    return c;
  }

  it('has nothing to give before a connection is put back', () => {
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000 });
    assert.equal(pool.take(upstreamAt(backend.port, 'b')), undefined);
  });

  it('gives back the most recently returned connection first', async () => {
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000 });
    const a = await connected(pool);
    const b = await connected(pool);
    pool.put(a);
    pool.put(b);
    assert.equal(pool.take(upstreamAt(backend.port, 'b')), b);
    assert.equal(pool.take(upstreamAt(backend.port, 'b')), a);
  });

  it('closes connections beyond maxIdlePerUpstream', async () => {
    pool = new UpstreamPool({ maxIdlePerUpstream: 1, idleTimeout: 1000 });
    const a = await connected(pool);
    const b = await connected(pool);
    pool.put(a);
    pool.put(b);
    assert.equal(pool.idleCount('b'), 1);
    assert.equal(b.socket.destroyed, true);
  });

  it('drops an idle connection whose backend sends a byte unasked', async () => {
    const talker = await startRawBackend((_d, socket) => socket.write('unasked'));
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000 });
    const c = pool.connect(upstreamAt(talker.port, 't'));
    await once(c.socket, 'connect');
    // The answer can only arrive on a later turn of the event loop, after the connection is idle.
    c.socket.write('hello');
    pool.put(c);
    assert.equal(pool.idleCount('t'), 1);
    await once(c.socket, 'close');
    assert.equal(pool.idleCount('t'), 0);
  });

  it('drops an idle connection the backend closes', async () => {
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000 });
    const c = await connected(pool);
    pool.put(c);
    await backend.close();
    await once(c.socket, 'close');
    assert.equal(pool.idleCount('b'), 0);
  });

  it('closes connections idle longer than idleTimeout', async () => {
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 60 });
    const c = await connected(pool);
    pool.put(c);
    await once(c.socket, 'close');
    assert.equal(pool.idleCount('b'), 0);
  });

  it('expires idle connections on its clock, oldest first, and keeps younger ones', async () => {
    const clock = new SimulatedClock();
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000, clock });
    const old = await connected(pool);
    const young = await connected(pool);
    pool.put(old);
    clock.advance(600);
    pool.put(young);
    clock.advance(500);
    assert.equal(old.socket.destroyed, true);
    assert.equal(young.socket.destroyed, false);
    assert.equal(pool.idleCount('b'), 1);
    // Sweeps run every idleTimeout / 2: the young one, due at 1600, goes in the sweep at 2000.
    clock.advance(900);
    assert.equal(young.socket.destroyed, true);
    assert.equal(pool.idleCount('b'), 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('closes every idle connection on close and refuses later returns', async () => {
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000 });
    const a = await connected(pool);
    const b = await connected(pool);
    pool.put(a);
    pool.close();
    pool.put(b);
    assert.equal(a.socket.destroyed, true);
    assert.equal(b.socket.destroyed, true);
    assert.equal(pool.idleCount('b'), 0);
  });

  it('forgets the upstreams it holds nothing for: workers replaced over a long life leave no trace', async () => {
    // Every restart, recycle or rollout gives a worker a new id; a pool that kept a list per id
    // ever seen grew for as long as Portico ran.
    const clock = new SimulatedClock();
    pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleTimeout: 1000, clock });
    for (let worker = 0; worker < 40; worker++) {
      const upstream = upstreamAt(backend.port, `shop#${worker}`);
      const c = pool.connect(upstream);
      await once(c.socket, 'connect');
      pool.put(c);
      // Half are taken again (their worker then goes), half expire idle.
      if (worker % 2 === 0) pool.take(upstream)!.destroy();
    }
    // A connection that is no longer usable when it comes back, for an id never seen.
    const dead = pool.connect(upstreamAt(backend.port, 'gone#1'));
    await once(dead.socket, 'connect');
    dead.socket.destroy();
    pool.put(dead);
    // The 40 workers' lists (the dead connection's id got none), emptied or not, until the sweep.
    assert.equal(pool.upstreamsHeld, 40);
    clock.advance(1000);
    assert.equal(pool.upstreamsHeld, 0);
    assert.equal(clock.pendingTimers, 0);
  });
});
