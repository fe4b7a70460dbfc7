import assert from 'node:assert/strict';
import { createRouter, RequestHeadParser, type ForwardDecision } from '@portico/router';
import { FrontReports } from '../../src/fronts/FrontReports.ts';
import { PoolMirror } from '../../src/fronts/PoolMirror.ts';
import { readyPoolView } from './readyPoolView.ts';


describe('PoolMirror', () => {
  // Found in review: the router keeps which processes have answered by their load box (a pool's
  // is its slot's, kept across restarts), and a front's mirror made a new box for a process that
  // left its ready list and came back (after a refused connect, once its probe passed again): its
  // next failure was taken for a failed start (the start-up failure page, and the worker reported
  // unreachable again). It failed before: hasAnswered was false.
  it('keeps, for the router, that a process answered when it leaves the ready list and comes back (a reprobe)', async () => {
    const mirror = new PoolMirror('shop', readyPoolView(10), () => {});
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: mirror }]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const route = async () => (await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r' })) as ForwardDecision;
    const first = await route();
    first.release({ status: 200, answered: true, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
    assert.equal(first.hasAnswered(first.upstream), true);
    mirror.update(readyPoolView());
    mirror.update(readyPoolView(10));
    const again = await route();
    assert.equal(again.hasAnswered(again.upstream), true, 'process 10 answered a request before it left');
    // Back before any report dropped it: its answered count goes on (the next test).
    const report = { inFlight: {}, peak: {}, served: {} };
    mirror.loads(report);
    assert.deepEqual(report, { inFlight: { 'shop#10@10': 1 }, peak: { 'shop#10@10': 1 }, served: { 'shop#10@10': 1 } });
    router.close();
  });

  // A process that left the ready list and came back within one report interval had its answered
  // count start again from zero, while the control counts what each report adds to the last
  // one's: the requests it answered after it came back counted for nothing until they passed what
  // it had answered before (here 2 of 3 counted), and a worker's `requests` and its
  // `recycling.requests` fell behind.
  it('counts every request a process answers when it leaves and comes back, within a report interval or across one', async () => {
    const mirror = new PoolMirror('shop', readyPoolView(10), () => {});
    const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: mirror }]);
    const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nhost: shop.test\r\n\r\n'));
    assert.ok('head' in parsed);
    const answer = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const decision = (await router.route({ head: parsed.head, remoteAddress: '127.0.0.1', requestId: 'r' })) as ForwardDecision;
        decision.release({ status: 200, answered: true, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
      }
    };
    const reports = new FrontReports();
    let counted = 0;
    let answered = 0;
    const report = () => {
      const loads = { inFlight: {}, peak: {}, served: {} };
      mirror.loads(loads);
      const sent = { type: 'metrics' as const, waiting: {}, ...loads, connections: 0, requests: {}, answered, dropped: 0 };
      assert.equal(reports.implausible(1, sent), undefined);
      for (const more of reports.received(1, sent).values()) counted += more;
    };
    reports.started(1);
    await answer(2);
    answered += 2;
    report();
    // Out and back before the next report (a reprobe), then one more.
    mirror.update(readyPoolView());
    mirror.update(readyPoolView(10));
    await answer(1);
    answered += 1;
    report();
    assert.equal(counted, 3, 'within a report interval');
    // Out across a report, which drops it, and back: counted from zero again.
    mirror.update(readyPoolView());
    report();
    mirror.update(readyPoolView(10));
    await answer(2);
    answered += 2;
    report();
    assert.equal(counted, 5, 'across a report');
    router.close();
  });
});
