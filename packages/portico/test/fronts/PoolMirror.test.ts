import assert from 'node:assert/strict';
import { createRouter, RequestHeadParser, type ForwardDecision } from '@portico/router';
import type { PoolView } from '../../src/fronts/FrontMessage.ts';
import { PoolMirror } from '../../src/fronts/PoolMirror.ts';

const view = (...pids: number[]): PoolView => ({
  state: 'ready',
  ready: pids.map((pid) => ({ id: `shop#${pid}`, pid, endpoint: { kind: 'tcp', host: '127.0.0.1', port: 1 }, token: 't' })),
  lastExit: undefined,
  retryIn: undefined,
  held: false,
});

describe('PoolMirror', () => {
  // Found in review: the router keeps which processes have answered by their load box (a pool's
  // is its slot's, kept across restarts), and a front's mirror made a new box for a process that
  // left its ready list and came back (after a refused connect, once its probe passed again): its
  // next failure was taken for a failed start (the start-up failure page, and the worker reported
  // unreachable again). It failed before: hasAnswered was false.
  it('keeps, for the router, that a process answered when it leaves the ready list and comes back (a reprobe)', async () => {
    const mirror = new PoolMirror('shop', view(10), () => {});
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: mirror }]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const route = async () => (await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r' })) as ForwardDecision;
    const first = await route();
    first.release({ status: 200, answered: true, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
    assert.equal(first.hasAnswered(first.upstream), true);
    mirror.update(view());
    mirror.update(view(10));
    const again = await route();
    assert.equal(again.hasAnswered(again.upstream), true, 'process 10 answered a request before it left');
    // Its answered count starts again from zero, as the front's reports, which dropped it, count it.
    const report = { inFlight: {}, peak: {}, served: {} };
    mirror.loads(report);
    assert.deepEqual(report, { inFlight: { 'shop#10@10': 1 }, peak: { 'shop#10@10': 1 }, served: {} });
    router.close();
  });
});
