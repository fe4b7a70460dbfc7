import assert from 'node:assert/strict';
import { createAdminServer, RequestMetrics, type AdminServer, type AppOutputLine } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';
import { request } from './http.ts';

/** The fake source with two kept lines of shop. */
class OutputSource extends FakeAdminSource {
  readonly kept: AppOutputLine[] = [
    { app: 'shop', worker: 'shop#1', pid: 4250, stream: 'stdout', time: 1_764_000_000_000, line: 'one' },
    { app: 'shop', worker: 'shop#1', pid: 4250, stream: 'stderr', time: 1_764_000_001_000, line: 'two' },
  ];
  readonly output = {
    recent: (app?: string) => (app === undefined || app === 'shop' ? this.kept : undefined),
    subscribe: () => () => {},
  };
}

describe('createAdminServer GET /logs/lines with hostile query values', () => {
  let server: AdminServer;
  let port: number;
  before(async () => {
    server = createAdminServer({ source: new OutputSource(), metrics: new RequestMetrics(), port: 0 });
    port = (await server.start()).port;
  });
  after(() => server.close());

  it('answers 400 saying what to fix for a lines, since or follow that is not what it takes', async () => {
    const cases: Array<[string, RegExp]> = [
      ['lines=-1', /lines/],
      ['lines=abc', /lines/],
      ['lines=', /lines/],
      ['lines=1.5', /lines/],
      ['lines=1e3', /lines/],
      ['lines=%20%31', /lines/],
      ['lines=99999999999999999999', /lines/],
      ['since=yesterday', /since/],
      ['since=-5', /since/],
      ['since=1.5', /since/],
      ['since=2026-12-06T02:00:00Z', /since/],
      ['follow=yes', /follow/],
      ['follow=true', /follow/],
      ['follow=', /follow/],
    ];
    for (const [query, says] of cases) {
      const answer = await request(port, 'GET', `/logs/lines?${query}`);
      assert.equal(answer.status, 400, query);
      assert.match(answer.body, says, `${query}: ${answer.body}`);
    }
  });

  it('takes a huge lines, a since in the future and follow=0 as they say', async () => {
    const all = await request(port, 'GET', '/logs/lines?lines=9999999999999999');
    assert.equal(all.status, 200);
    assert.equal(all.body.split('\n').filter(Boolean).length, 2);
    const none = await request(port, 'GET', '/logs/lines?since=9999999999999');
    assert.equal(none.status, 200);
    assert.equal(none.body, '');
    const once = await request(port, 'GET', '/logs/lines?follow=0&lines=1');
    assert.equal(once.status, 200);
    assert.match(once.body, /"line":"two"/);
  });
});
