import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestMetrics, durationBuckets, unroutedApp } from '../../src/index.ts';
import { sampleStatus } from './FakeAdminSource.ts';
import { parseExposition, valueOf } from './parseExposition.ts';

describe('RequestMetrics', () => {
  it('renders output the strict exposition checker accepts, with HELP and TYPE for every family', () => {
    const metrics = new RequestMetrics({ apps: ['shop'] });
    metrics.record('shop', 200, 3, 10, 100);
    metrics.upstreamFailure('shop');
    const families = parseExposition(metrics.render(sampleStatus()));
    assert.deepEqual(
      [...families.keys()],
      [
        'portico_requests_total',
        'portico_request_duration_seconds',
        'portico_bytes_received_total',
        'portico_bytes_sent_total',
        'portico_upstream_failures_total',
        'portico_requests_client_closed_total',
        'portico_requests_incomplete_total',
        'portico_workers_up',
        'portico_worker_restarts_total',
        'portico_queue_depth',
        'portico_app_state',
        'portico_worker_requests_in_flight',
        'portico_worker_requests_total',
        'portico_worker_start_time_seconds',
        'portico_worker_cpu_seconds_total',
        'portico_worker_cpu_percent',
        'portico_worker_resident_memory_bytes',
        'portico_worker_open_fds',
        'portico_worker_processes',
        'process_start_time_seconds',
      ],
    );
    assert.equal(families.get('portico_request_duration_seconds')?.type, 'histogram');
    assert.equal(families.get('portico_requests_total')?.type, 'counter');
    assert.equal(families.get('portico_queue_depth')?.type, 'gauge');
  });

  it("has a histogram _count equal to the requests recorded, and a _sum of their durations", () => {
    const metrics = new RequestMetrics();
    const durations = [0.2, 4, 5, 7, 60, 999, 1000, 1001, 9_999, 10_000, 10_001, 123_456];
    for (const ms of durations) metrics.record('shop', 200, ms, 0, 0);
    const families = parseExposition(metrics.render());
    assert.equal(valueOf(families, 'portico_request_duration_seconds_count', { app: 'shop' }), durations.length);
    const sum = valueOf(families, 'portico_request_duration_seconds_sum', { app: 'shop' });
    assert.ok(Math.abs(sum - durations.reduce((a, b) => a + b, 0) / 1000) < 1e-9);
  });

  it('puts a duration equal to a bound into that bucket (le is "less or equal")', () => {
    const metrics = new RequestMetrics();
    metrics.record('shop', 200, 5, 0, 0);
    metrics.record('shop', 200, 5.0001, 0, 0);
    metrics.record('shop', 200, 10_001, 0, 0);
    const families = parseExposition(metrics.render());
    const bucket = (le: string) => valueOf(families, 'portico_request_duration_seconds_bucket', { app: 'shop', le });
    assert.equal(bucket('0.005'), 1);
    assert.equal(bucket('0.01'), 2);
    assert.equal(bucket('10'), 2);
    assert.equal(bucket('+Inf'), 3);
    const les = families.get('portico_request_duration_seconds')!.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels['le']);
    assert.deepEqual(les, [...durationBuckets.map(String), '+Inf']);
  });

  it('counts requests by status class, with codes outside 100–599 as 5xx', () => {
    const metrics = new RequestMetrics();
    for (const status of [101, 200, 204, 301, 404, 499, 500, 503, 0, 600, 999]) metrics.record('api', status, 1, 0, 0);
    const families = parseExposition(metrics.render());
    const count = (code_class: string) => valueOf(families, 'portico_requests_total', { app: 'api', code_class });
    assert.deepEqual(['1xx', '2xx', '3xx', '4xx', '5xx'].map(count), [1, 2, 1, 2, 5]);
  });

  // A client that left before its answer was counted with status 0: a 5xx, with its waiting time in the latency.
  it('counts a 499 (client closed request) as 4xx and client closed, never as a latency, and sums it over sources', () => {
    const metrics = new RequestMetrics({ apps: ['api'] });
    metrics.record('api', 200, 3, 0, 10);
    metrics.record('api', 499, 30_000, 5, 0, true);
    metrics.setSource('1', { api: { ...new RequestMetrics({ apps: ['api'] }).snapshot()['api']!, requests: [0, 0, 0, 2, 0], clientClosed: 2 } });
    const families = parseExposition(metrics.render());
    assert.equal(valueOf(families, 'portico_requests_total', { app: 'api', code_class: '4xx' }), 3);
    assert.equal(valueOf(families, 'portico_requests_total', { app: 'api', code_class: '5xx' }), 0);
    assert.equal(valueOf(families, 'portico_requests_client_closed_total', { app: 'api' }), 3);
    assert.equal(valueOf(families, 'portico_request_duration_seconds_count', { app: 'api' }), 1);
    assert.equal(valueOf(families, 'portico_request_duration_seconds_sum', { app: 'api' }), 0.003);
    assert.equal(valueOf(families, 'portico_bytes_received_total', { app: 'api' }), 5);
    assert.equal(metrics.counts('api')!.serverErrors, 0);
    assert.equal(metrics.counts('api')!.clientClosed, 3);
    metrics.retireSource('1');
    assert.equal(metrics.counts('api')!.clientClosed, 3, 'a retired source keeps its count');
  });

  // A response cut after its head reached the client was released with status 0 and counted a 5xx.
  it('counts a response cut after its head with that head\'s status and as incomplete, timed, and sums it over sources', () => {
    const metrics = new RequestMetrics({ apps: ['api'] });
    metrics.record('api', 200, 3, 0, 10);
    metrics.record('api', 200, 7, 0, 4, false, true);
    metrics.setSource('1', { api: { ...new RequestMetrics({ apps: ['api'] }).snapshot()['api']!, requests: [0, 2, 0, 0, 0], incomplete: 2 } });
    const families = parseExposition(metrics.render());
    assert.equal(valueOf(families, 'portico_requests_total', { app: 'api', code_class: '2xx' }), 4);
    assert.equal(valueOf(families, 'portico_requests_total', { app: 'api', code_class: '5xx' }), 0);
    assert.equal(valueOf(families, 'portico_requests_incomplete_total', { app: 'api' }), 3);
    assert.equal(valueOf(families, 'portico_requests_client_closed_total', { app: 'api' }), 0);
    assert.equal(valueOf(families, 'portico_request_duration_seconds_count', { app: 'api' }), 2);
    assert.equal(metrics.counts('api')!.incomplete, 3);
    metrics.retireSource('1');
    assert.equal(metrics.counts('api')!.incomplete, 3, 'a retired source keeps its count');
  });

  // Regression: "client closed" was read from status 499 alone, so a backend's own 499, answered in
  // full, counted as a client that left and was kept out of the latency histogram.
  it('counts a backend\'s own 499 (no client that left) as an answer: timed, and not as client closed', () => {
    const metrics = new RequestMetrics({ apps: ['api'] });
    metrics.record('api', 499, 3, 0, 2, false);
    const families = parseExposition(metrics.render());
    assert.equal(valueOf(families, 'portico_requests_total', { app: 'api', code_class: '4xx' }), 1);
    assert.equal(valueOf(families, 'portico_requests_client_closed_total', { app: 'api' }), 0);
    assert.equal(valueOf(families, 'portico_request_duration_seconds_count', { app: 'api' }), 1);
    assert.equal(metrics.counts('api')!.clientClosed, 0);
  });

  it('sums bytes received and sent per app and ignores negative or NaN figures', () => {
    const metrics = new RequestMetrics();
    metrics.record('a', 200, 1, 100, 2000);
    metrics.record('a', 200, 1, 50, 1);
    metrics.record('b', 200, Number.NaN, -5, Number.NaN);
    const families = parseExposition(metrics.render());
    assert.equal(valueOf(families, 'portico_bytes_received_total', { app: 'a' }), 150);
    assert.equal(valueOf(families, 'portico_bytes_sent_total', { app: 'a' }), 2001);
    assert.equal(valueOf(families, 'portico_bytes_sent_total', { app: 'b' }), 0);
    assert.equal(valueOf(families, 'portico_request_duration_seconds_sum', { app: 'b' }), 0);
  });

  it('escapes backslash, quote and line feed in label values', () => {
    const name = 'we\\ird "app"\nname';
    const metrics = new RequestMetrics({ apps: [name] });
    const text = metrics.render();
    assert.ok(text.includes('app="we\\\\ird \\"app\\"\\nname"'));
    const families = parseExposition(text);
    assert.equal(valueOf(families, 'portico_bytes_sent_total', { app: name }), 0);
  });

  it('renders any app name and any sequence of records as valid exposition whose _count and client-closed count match', function () {
    this.timeout(20_000);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ app: fc.string({ maxLength: 8 }), status: fc.oneof(fc.integer({ min: -1, max: 1000 }), fc.constant(499)), ms: fc.double({ noNaN: false }), bytes: fc.nat(), clientClosed: fc.boolean() }),
          { maxLength: 50 },
        ),
        (records) => {
          const metrics = new RequestMetrics();
          // Timed requests, and those whose client left (counted, never timed), per app.
          const timed = new Map<string, number>();
          const closed = new Map<string, number>();
          for (const r of records) {
            metrics.record(r.app, r.status, r.ms, r.bytes, r.bytes, r.clientClosed);
            const counts = r.clientClosed ? closed : timed;
            counts.set(r.app, (counts.get(r.app) ?? 0) + 1);
            for (const other of [timed, closed]) other.set(r.app, other.get(r.app) ?? 0);
          }
          const families = parseExposition(metrics.render());
          for (const [app, n] of timed) assert.equal(valueOf(families, 'portico_request_duration_seconds_count', { app }), n);
          for (const [app, n] of closed) assert.equal(valueOf(families, 'portico_requests_client_closed_total', { app }), n);
        },
      ),
      { interruptAfterTimeLimit: 5_000, verbose: 1 },
    );
  });

  it('reports workers up, restarts, queue depth, one-hot app state and the process start time from the status', () => {
    const status = sampleStatus();
    const shop = status.apps[0]!;
    const changed = {
      ...status,
      apps: [{ ...shop, queueDepth: 4, workers: [shop.workers[0]!, { ...shop.workers[1]!, state: 'backoff', restarts: 3 }] }, status.apps[1]!],
    };
    const families = parseExposition(new RequestMetrics().render(changed));
    assert.equal(valueOf(families, 'portico_workers_up', { app: 'shop' }), 1);
    assert.equal(valueOf(families, 'portico_worker_restarts_total', { app: 'shop' }), 3);
    assert.equal(valueOf(families, 'portico_queue_depth', { app: 'shop' }), 4);
    const states = families.get('portico_app_state')!.samples.filter((s) => s.labels['app'] === 'reports');
    assert.deepEqual(states.map((s) => [s.labels['state'], s.value]), [['idle', 1], ['starting', 0], ['ready', 0], ['failed', 0], ['stopping', 0], ['stopped', 0]]);
    assert.equal(valueOf(families, 'process_start_time_seconds'), status.startedAt / 1000);
    // Apps of the status get request series at zero before their first request.
    assert.equal(valueOf(families, 'portico_requests_total', { app: 'reports', code_class: '2xx' }), 0);
  });

  it("reports the failed writes of Portico's own log by code, the usual codes at zero, and the lines dropped", () => {
    const families = parseExposition(new RequestMetrics().render(undefined, { failedWrites: { ENOSPC: 7, EROFS: 1 }, droppedLines: 3 }));
    assert.equal(families.get('portico_log_write_failures_total')?.type, 'counter');
    assert.deepEqual(
      Object.fromEntries(families.get('portico_log_write_failures_total')!.samples.map((s) => [s.labels['code'], s.value])),
      { ENOSPC: 7, EIO: 0, EPIPE: 0, EAGAIN: 0, EROFS: 1 },
    );
    assert.equal(valueOf(families, 'portico_log_lines_dropped_total'), 3);
    assert.equal(parseExposition(new RequestMetrics().render()).has('portico_log_write_failures_total'), false);
  });

  it('gives the totals per app for rates, and forgets a removed app', () => {
    const metrics = new RequestMetrics();
    metrics.record('shop', 200, 1, 1, 2);
    metrics.record('shop', 502, 1, 3, 4);
    metrics.upstreamFailure('shop');
    assert.deepEqual(metrics.counts('shop'), { requests: 2, serverErrors: 1, bytesIn: 4, bytesOut: 6, upstreamFailures: 1, clientClosed: 0, incomplete: 0 });
    metrics.removeApp('shop');
    assert.equal(metrics.counts('shop'), undefined);
    metrics.record('shop', 200, 1, 0, 0);
    assert.equal(metrics.counts('shop')?.requests, 1);
  });

  // Review of issue 21: two fronts each reporting 1e308 made the sums +Inf, and retireSource kept
  // Infinity in the control's own counters for good. The front's report is checked as well
  // (checkFrontMessage); the sums hold whatever a source sends.
  it("keeps every sum finite whatever its sources send, before and after they are retired", () => {
    const huge = { requests: Array(5).fill(Number.MAX_VALUE), buckets: Array(12).fill(Number.MAX_VALUE), durationSumMs: Number.MAX_VALUE, bytesIn: Number.MAX_VALUE, bytesOut: Number.MAX_VALUE, upstreamFailures: Number.MAX_VALUE, clientClosed: Number.MAX_VALUE, incomplete: Number.MAX_VALUE };
    const metrics = new RequestMetrics({ apps: ['shop'] });
    const finite = () => {
      const totals = metrics.totals().get('shop')!;
      for (const n of [...totals.requests, ...totals.buckets, totals.durationSumMs, totals.bytesIn, totals.bytesOut, totals.upstreamFailures, totals.clientClosed]) assert.ok(Number.isFinite(n), JSON.stringify(totals));
      assert.doesNotMatch(metrics.render(), /Inf$|NaN$/m);
    };
    metrics.setSource('1', { shop: huge });
    metrics.setSource('2', { shop: huge });
    finite();
    metrics.retireSource('1');
    metrics.retireSource('2');
    metrics.setSource('3', { shop: huge });
    finite();
    metrics.retireSource('3');
    finite();
  });
  // Review of issue 21: the app names a front reported became series of the control's, and
  // retireSource made each one permanent: a rogue front restarted 5 times left 20 481 app series
  // and a 135 MB /metrics. A source's figures count only for the apps the control has series of.
  it('takes figures of its sources only for its own apps and unrouted requests, live and retired', () => {
    const none = { requests: [0, 1, 0, 0, 0], buckets: [1, ...Array(11).fill(0)], durationSumMs: 1, bytesIn: 0, bytesOut: 0, upstreamFailures: 0, clientClosed: 0, incomplete: 0 };
    const metrics = new RequestMetrics({ apps: ['shop', 'blog'] });
    for (let restart = 0; restart < 5; restart++) {
      const counters = Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`r${restart}-${i}`, none]));
      metrics.setSource('1', { ...counters, shop: none, [unroutedApp]: none });
      assert.deepEqual([...metrics.totals().keys()], ['shop', 'blog', unroutedApp]);
      metrics.retireSource('1');
    }
    assert.deepEqual(metrics.apps(), ['shop', 'blog', unroutedApp]);
    assert.equal(metrics.counts('shop')?.requests, 5);
    const families = parseExposition(metrics.render());
    assert.deepEqual(new Set(families.get('portico_requests_total')!.samples.map((s) => s.labels['app'])), new Set(['shop', 'blog', unroutedApp]));

    // An app removed (once it drained): a front's figures of it no longer count, nor bring it back.
    metrics.removeApp('blog');
    metrics.setSource('2', { blog: none });
    metrics.retireSource('2');
    assert.equal(metrics.counts('blog'), undefined);
    assert.deepEqual(metrics.apps(), ['shop', unroutedApp]);
  });

  // An app removed took its own counters with it but left what its sources (the fronts) last
  // reported of it: added again before their next report, it came back with the removed app's counts.
  it('drops what its sources counted of an app it removes: the app added again starts from zero', () => {
    const five = { requests: [0, 5, 0, 0, 0], buckets: [5, ...Array(11).fill(0)], durationSumMs: 5, bytesIn: 0, bytesOut: 0, upstreamFailures: 0, clientClosed: 0, incomplete: 0 };
    const metrics = new RequestMetrics({ apps: ['shop', 'blog'] });
    const report = { shop: five, blog: five };
    metrics.setSource('1', report);
    metrics.removeApp('blog');
    metrics.addApp('blog');
    assert.equal(metrics.counts('blog')?.requests, 0);
    assert.equal(metrics.counts('shop')?.requests, 5);
    assert.deepEqual(Object.keys(report), ['shop', 'blog'], 'the source\'s report itself is not changed');
  });
});

describe('parseExposition (the test checker)', () => {
  const valid = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="b"} 1\n';
  it('accepts a valid family', () => {
    assert.equal(parseExposition(valid).get('x_total')?.samples.length, 1);
  });
  for (const [why, text] of [
    ['a missing final line feed', valid.slice(0, -1)],
    ['an unescaped quote in a label value', valid.replace('"b"', '"b"c"')],
    ['an invalid escape', valid.replace('"b"', '"\\t"')],
    ['a sample before TYPE', 'x_total 1\n'],
    ['two spaces before the value', valid.replace('} 1', '}  1')],
    ['a family split in two', `${valid}# HELP y Y.\n# TYPE y gauge\ny 1\nx_total{a="c"} 1\n`],
    ['a histogram whose _count differs from +Inf', '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
    ['non-cumulative buckets', '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['a duplicate series', `${valid}x_total{a="b"} 2\n`],
  ] as const) {
    it(`rejects ${why}`, () => {
      assert.throws(() => parseExposition(text));
    });
  }
});
