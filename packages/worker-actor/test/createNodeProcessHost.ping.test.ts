import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedClock } from '@portico/supervisor';
import { createNodeProcessHost } from '../src/index.ts';

describe('createNodeProcessHost ping', () => {
  let server: http.Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  // Issue 21's review: the ping's deadline ran on Node's timer, not the host's clock. An hour of
  // the simulated clock passes at once; Node's timer would not fire within the test's timeout.
  it("gives a backend that does not answer the ping's time by the host's clock", async () => {
    const clock = new SimulatedClock();
    const host = createNodeProcessHost({ cgroups: false, clock });
    server = http.createServer(() => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const requested = once(server, 'request');
    const answer = host.ping({ kind: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port }, '/ping', {}, 3_600_000);
    await requested;
    clock.advance(3_599_999);
    clock.advance(1);
    assert.deepEqual(await answer, { ok: false, why: 'no answer within 3600000 ms' });
    await host.close?.();
  });

  it('answers ok for a 2xx', async () => {
    const clock = new SimulatedClock();
    const host = createNodeProcessHost({ cgroups: false, clock });
    server = http.createServer((_, response) => response.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.deepEqual(await host.ping({ kind: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port }, '/ping', {}, 1000), { ok: true });
    await host.close?.();
  });
});
