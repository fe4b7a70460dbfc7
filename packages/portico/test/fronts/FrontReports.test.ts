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
    assert.equal(reports.peak('shop#1', 10), 5);
    assert.equal(reports.peak('shop#2', 11), 1);
    assert.equal(reports.peak('shop#1', 99), 0, 'another process of the slot is another key');
  });

  it('keeps the last full period’s peak when an asked report (a /status) covers only part of the next', () => {
    const reports = new FrontReports();
    reports.received(0, report({ 'shop#1@10': 0 }, { 'shop#1@10': 4 }));
    // Asked 100 ms into the next period, at a quiet moment.
    reports.received(0, report({ 'shop#1@10': 0 }, { 'shop#1@10': 1 }, 7));
    assert.equal(reports.peak('shop#1', 10), 4);
    assert.equal(reports.inFlight('shop#1', 10), 0, 'in flight is the latest word');
    // The next periodic report covers its whole period, and replaces it.
    reports.received(0, report({}, { 'shop#1@10': 1 }));
    assert.equal(reports.peak('shop#1', 10), 1);
  });
});
