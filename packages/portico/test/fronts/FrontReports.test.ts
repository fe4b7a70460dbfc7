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
