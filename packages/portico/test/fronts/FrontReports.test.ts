import assert from 'node:assert/strict';
import type { RequestCountersSnapshot } from '@portico/listener';
import { FrontReports } from '../../src/fronts/FrontReports.ts';

const report = (inFlight: Record<string, number>, peak: Record<string, number>, id?: number) => ({
  type: 'metrics' as const,
  ...(id === undefined ? {} : { id }),
  waiting: {},
  inFlight,
  peak,
  served: {},
  connections: 0,
  requests: {} as RequestCountersSnapshot,
  answered: 0,
  dropped: 0,
});

describe('FrontReports', () => {
  it('adds up the fronts’ requests in flight and their peaks per worker process', () => {
    const reports = new FrontReports();
    reports.received(0, report({ 'shop#1@10': 1 }, { 'shop#1@10': 3 }));
    reports.received(1, report({ 'shop#1@10': 2 }, { 'shop#1@10': 2, 'shop#2@11': 1 }));
    assert.equal(reports.inFlight('shop#1', 10), 3);
    assert.equal(reports.takePeak('shop#1', 10), 5);
    assert.equal(reports.takePeak('shop#2', 11), 1);
    assert.equal(reports.takePeak('shop#1', 99), 0, 'another process of the slot is another key');
  });

  // /status names a worker by its slot (`shop#1`), the fronts a process by the ready list's id
  // (`shop#1#3`, its slot's third start): looked up by the slot, the fronts' requests in flight
  // were never found, and /status showed 0 on every worker while a backend held requests.
  it('finds a worker slot\'s requests in flight under its process\'s id, over every front', () => {
    const reports = new FrontReports();
    reports.received(0, report({ 'shop#1#3@10': 2, 'shop#12#1@10': 5, 'shop#1#2@11': 7 }, {}));
    reports.received(1, report({ 'shop#1#3@10': 1, 'shop#1#3@100': 9 }, {}));
    assert.equal(reports.workerInFlight('shop#1', 10), 3);
    assert.equal(reports.workerInFlight('shop#12', 10), 5);
    assert.equal(reports.workerInFlight('shop#1', 11), 7);
    assert.equal(reports.workerInFlight('shop#1', undefined), 0, 'a worker with no process has nothing in flight');
    assert.equal(reports.workerInFlight('shop', 10), 0);
  });

  it('keeps the most of every report until the peak is taken, then starts from what is in flight', () => {
    const reports = new FrontReports();
    // A burst, then quiet seconds: reports read one by one between two looks of the pool, or all
    // at once after the control process was held up.
    reports.received(0, report({ 'shop#1@10': 3 }, { 'shop#1@10': 4 }));
    reports.received(0, report({}, { 'shop#1@10': 3 }));
    reports.received(0, report({ 'shop#1@10': 1 }, { 'shop#1@10': 1 }));
    assert.equal(reports.takePeak('shop#1', 10), 4);
    assert.equal(reports.takePeak('shop#1', 10), 1, 'the request in flight at the last report');
    reports.received(0, report({}, {}));
    assert.equal(reports.takePeak('shop#1', 10), 0);
  });

  it('adds an asked report’s peak (a /status, part of a period) like any other: the full period’s stays', () => {
    const reports = new FrontReports();
    reports.received(0, report({ 'shop#1@10': 0 }, { 'shop#1@10': 4 }));
    // Asked 100 ms into the next period, at a quiet moment.
    reports.received(0, report({ 'shop#1@10': 0 }, { 'shop#1@10': 1 }, 7));
    assert.equal(reports.inFlight('shop#1', 10), 0, 'in flight is the latest word');
    assert.equal(reports.takePeak('shop#1', 10), 4);
    reports.received(0, report({}, { 'shop#1@10': 1 }));
    assert.equal(reports.takePeak('shop#1', 10), 1);
  });

  it('forgets the peak of a process the front no longer reports, and of a front that exited', () => {
    const reports = new FrontReports();
    reports.received(0, report({}, { 'shop#1@10': 2 }));
    reports.received(1, report({}, { 'shop#1@10': 2 }));
    reports.forget(1);
    // Front 0 forgot the process (it left the pool): nothing in flight, answered or at a peak.
    reports.received(0, report({}, {}));
    assert.equal(reports.takePeak('shop#1', 10), 0);
  });

  // Review of issue 21: an app named `constructor` made /status's queueDepth the string
  // "00function Object() { [native code] }", and /metrics unreadable, until every front had
  // reported it: `waiting[app] ?? 0` read Object.prototype's function. A reload adds such an app
  // between two reports, and the fronts' reports before it do not name it.
  it('reads an app or process named as a property every object has as 0 while a report does not name it', () => {
    const reports = new FrontReports();
    // Parsed as the control parses a front's line, so `__proto__` is a key as any other.
    reports.received(0, JSON.parse(JSON.stringify({ ...report({}, {}), served: { 'shop#1@10': 2 } })) as ReturnType<typeof report>);
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      assert.equal(reports.waiting(name), 0, name);
      assert.equal(reports.inFlight(name, undefined), 0, name);
      assert.equal(reports.takePeak(name, undefined), 0, name);
    }
    const named = JSON.parse('{"constructor":2,"__proto__":3,"toString":1}') as Record<string, number>;
    reports.received(1, { ...report(named, named), waiting: named, served: named });
    assert.equal(reports.waiting('constructor') + reports.waiting('__proto__') + reports.waiting('valueOf'), 5, 'what a report names is read');
    const more = reports.received(1, { ...report({}, {}), served: { ...named, valueOf: 4 } });
    assert.deepEqual([...more], [['valueOf', 4]], 'answered since the last report, as for any name');
  });
});

/** One app's request counters, with `n` in each field of the same growth. */
const counters = (n: number, classes = [0, n, 0, 0, 0]) => ({ requests: classes, buckets: [n, ...Array<number>(11).fill(0)], durationSumMs: n, bytesIn: n, bytesOut: n, upstreamFailures: n, clientClosed: n, incomplete: n });
/** A report of `requests` per app and `served` per worker process. */
const counted = (requests: RequestCountersSnapshot, served: Record<string, number> = {}, answered = Object.values(requests).reduce((n, c) => n + c.requests.reduce((a, b) => a + b, 0), 0)) => ({ ...report({}, {}), requests, served, answered });

// Review of issue 21's fronts: checkFrontMessage held each report to the shape of a front's, not
// to the front's own last report. Counts that go back in one front process pulled /metrics'
// counters down (a counter reset to Prometheus, which then counts the whole again), and served
// counts that fall and come back were counted twice by the workers' recycling.requests.
describe('FrontReports.implausible', () => {
  it('refuses request counts that went back in the same front process, naming the count', () => {
    const reports = new FrontReports();
    reports.received(1, counted({ shop: counters(5) }));
    assert.match(reports.implausible(1, counted({ shop: counters(5, [0, 3, 0, 0, 0]) }))!, /^requests\["shop"\]\.requests\[1\] is 3, less than the 5 this front process reported before/);
    for (const field of ['durationSumMs', 'bytesIn', 'bytesOut', 'upstreamFailures', 'clientClosed', 'incomplete'] as const) {
      assert.match(reports.implausible(1, counted({ shop: { ...counters(5), [field]: 4 } }))!, new RegExp(`^requests\\["shop"\\]\\.${field} is 4, less than the 5`));
    }
    assert.match(reports.implausible(1, counted({ shop: { ...counters(5), buckets: Array<number>(12).fill(0) } }))!, /^requests\["shop"\]\.buckets\[0\] is 0, less than the 5/);
    assert.match(reports.implausible(1, counted({}))!, /^requests has no "shop", which this front process reported before/);
    // An app named like a property of every object is an app like any other.
    reports.received(2, counted(JSON.parse('{"__proto__":' + JSON.stringify(counters(1)) + '}') as RequestCountersSnapshot));
    assert.match(reports.implausible(2, counted({}))!, /^requests has no "__proto__"/);
  });

  it('takes counts that grew or stayed, apps new since, and a restarted front’s counts from zero', () => {
    const reports = new FrontReports();
    reports.received(1, counted({ shop: counters(5) }));
    assert.equal(reports.implausible(1, counted({ shop: counters(5) })), undefined);
    assert.equal(reports.implausible(1, counted({ shop: counters(6), blog: counters(1) })), undefined);
    assert.equal(reports.implausible(2, counted({ shop: counters(0) })), undefined, 'another front is another series');
    // Its process exited: the next process of front 1 is a new series.
    reports.forget(1);
    assert.equal(reports.implausible(1, counted({ shop: counters(0) })), undefined);
  });

  it('refuses served counts past the requests the front process counted', () => {
    const reports = new FrontReports();
    assert.match(reports.implausible(1, counted({ shop: counters(3) }, { 'shop#1@10': 4 }))!, /^served adds up to 4 requests answered, more than the 3 this front process counted/);
    assert.match(reports.implausible(1, counted({ shop: counters(3) }, { 'shop#1@10': 2, 'shop#2@11': 2 }))!, /^served adds up to 4 /);
    assert.equal(reports.implausible(1, counted({ shop: counters(3) }, { 'shop#1@10': 3 })), undefined);
  });

  it('refuses served counts that fall and come back: what was counted once is not counted again', () => {
    const reports = new FrontReports();
    const answered = (report: ReturnType<typeof counted>) => {
      const problem = reports.implausible(1, report);
      if (problem !== undefined) return problem;
      return [...reports.received(1, report)].join();
    };
    assert.equal(answered(counted({ shop: counters(5) }, { 'shop#1@10': 5 })), 'shop#1@10,5');
    assert.equal(answered(counted({ shop: counters(5) })), '');
    assert.match(answered(counted({ shop: counters(5) }, { 'shop#1@10': 5 })), /^served adds up to 10 requests answered, more than the 5/);
  });

  it('takes the served counts of a process that left the front and came back, counted from zero', () => {
    const reports = new FrontReports();
    reports.received(1, counted({ shop: counters(5) }, { 'shop#1@10': 5 }));
    // Out of the pool for a reprobe: the front forgot it, and counts it afresh once it is back.
    reports.received(1, counted({ shop: counters(5) }));
    const back = counted({ shop: counters(7) }, { 'shop#1@10': 2 });
    assert.equal(reports.implausible(1, back), undefined);
    assert.deepEqual([...reports.received(1, back)], [['shop#1@10', 2]]);
    // Forgot and back within a second: fewer than before, none counted until it passes them.
    const soon = counted({ shop: counters(8) }, { 'shop#1@10': 1 });
    assert.equal(reports.implausible(1, soon), undefined);
    assert.deepEqual([...reports.received(1, soon)], []);
  });
});

// A front kept the series of every app it ever served, and a report that no longer named one was
// refused (its counts only grow). The control now has the fronts drop an app's series once it has
// dropped its own (`series.drop`), and holds each report to the drops it says it applied.
describe('FrontReports: dropped app series', () => {
  /** A report that applied drops up to `dropped`, with `answered` requests (those of dropped apps included). */
  const at = (dropped: number, requests: RequestCountersSnapshot, answered = 15) => ({ ...counted(requests, {}, answered), dropped });

  it('takes none of a dropped app\'s counts from a report sent before the front dropped it, the app added again or not', () => {
    const reports = new FrontReports();
    reports.started(1);
    reports.received(1, at(0, { shop: counters(5), blog: counters(9) }, 14));
    const drop = reports.dropSeries('blog');
    // Sent before the front read the drop: blog's counts are of the series dropped.
    const before = at(0, { shop: counters(6), blog: counters(9) });
    assert.equal(reports.implausible(1, before), undefined);
    assert.deepEqual(Object.keys(reports.counters(before)), ['shop']);
    reports.received(1, before);
    // After it: blog is gone, or a new series from zero if a reload added it again.
    const after = at(drop, { shop: counters(6), blog: counters(1) }, 16);
    assert.equal(reports.implausible(1, after), undefined);
    assert.deepEqual(Object.keys(reports.counters(after)), ['shop', 'blog']);
    assert.equal(reports.implausible(1, at(drop, { shop: counters(6) }, 15)), undefined);
  });

  it('refuses an app missing without a drop, a drop never sent, a drop taken back, and answered counts that fall', () => {
    const reports = new FrontReports();
    reports.started(1);
    reports.received(1, at(0, { shop: counters(5), blog: counters(9) }, 14));
    const drop = reports.dropSeries('blog');
    assert.match(reports.implausible(1, at(drop, { blog: counters(9) }))!, /^requests has no "shop"/);
    assert.match(reports.implausible(1, at(0, { shop: counters(5) }))!, /^requests has no "blog"/, 'not dropped yet by this report');
    assert.match(reports.implausible(1, at(drop + 1, { shop: counters(5) }))!, /^dropped is 2, not between the 0 this front process applied before and the 1 sent/);
    reports.received(1, at(drop, { shop: counters(5) }, 14));
    assert.match(reports.implausible(1, at(0, { shop: counters(5) }))!, /^dropped is 0, not between the 1/);
    assert.match(reports.implausible(1, at(drop, { shop: counters(5) }, 13))!, /^answered is 13, less than the 14/);
  });

  it('forgets a drop once every front process applied it or started after it', () => {
    const reports = new FrontReports();
    reports.started(1);
    reports.started(2);
    for (let i = 1; i <= 50; i++) reports.dropSeries(`app${i}`);
    reports.received(1, at(50, {}));
    assert.equal(reports.dropsPending, 50, 'front 2 has not applied them');
    reports.forget(2);
    assert.equal(reports.started(2), 50, 'a new process of front 2 is told the last drop');
    assert.equal(reports.dropsPending, 0);
  });
});
