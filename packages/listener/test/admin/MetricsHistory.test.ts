import assert from 'node:assert/strict';
import type { PorticoStatus } from '../../src/admin/AdminSource.ts';
import { MetricsHistory, quantile } from '../../src/admin/internal/MetricsHistory.ts';
import { RequestMetrics } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';

describe('MetricsHistory', () => {
  it('keeps at most its capacity of samples, the newest, oldest first', () => {
    const history = new MetricsHistory(300);
    const metrics = new RequestMetrics({ apps: ['shop'] });
    for (let i = 0; i < 1000; i++) history.record(i * 1000, 1000, metrics.totals(), metrics.sources(), undefined);
    const samples = history.samples();
    assert.equal(samples.length, 300);
    assert.deepEqual([samples[0]!.at, samples[299]!.at], [700_000, 999_000]);
    assert.deepEqual(history.samples(999_500, 3).map((s) => s.at), [997_000, 998_000, 999_000]);
  });

  it('gives each app\'s and the total\'s requests, 5xx and latency per second over the interval, and each worker\'s CPU and memory', () => {
    const history = new MetricsHistory(10);
    const metrics = new RequestMetrics({ apps: ['shop', 'reports'] });
    for (let i = 0; i < 50; i++) metrics.record('shop', 200, 3, 0, 0);
    history.prime(metrics.totals(), metrics.sources());
    for (let i = 0; i < 98; i++) metrics.record('shop', 200, 7, 0, 0);
    metrics.record('shop', 502, 2000, 0, 0);
    metrics.record('shop', 502, 2000, 0, 0);
    for (let i = 0; i < 50; i++) metrics.record('reports', 200, 30, 0, 0);
    const sample = history.record(2000, 2000, metrics.totals(), metrics.sources(), new FakeAdminSource().status());
    const shop = sample.apps['shop']!;
    assert.deepEqual([shop.requestsPerSecond, shop.serverErrorsPerSecond, shop.p50Ms], [50, 1, 7.55]);
    assert.ok(shop.p99Ms! > 1000 && shop.p99Ms! <= 2500, String(shop.p99Ms));
    assert.equal(sample.total.requestsPerSecond, 75);
    assert.equal(sample.apps['reports']!.p50Ms, 37.5);
    assert.equal(sample.fronts, undefined);
    assert.equal(history.record(3000, 1000, metrics.totals(), metrics.sources(), undefined).apps['shop']!.p50Ms, null, 'no request, no latency');
  });

  it('counts each front\'s share, and a front that started again from zero counts from zero', () => {
    const history = new MetricsHistory(10);
    const metrics = new RequestMetrics({ apps: ['shop'] });
    const front = (n: number) => ({ shop: { requests: [0, n, 0, 0, 0], buckets: [n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], durationSumMs: n, bytesIn: 0, bytesOut: 0, upstreamFailures: 0, clientClosed: 0, incomplete: 0 } });
    metrics.setSource('1', front(100));
    metrics.setSource('2', front(40));
    history.prime(metrics.totals(), metrics.sources());
    metrics.setSource('1', front(130));
    metrics.setSource('2', front(10));
    const sample = history.record(1000, 1000, metrics.totals(), metrics.sources(), undefined);
    assert.equal(sample.fronts!['1']!.requestsPerSecond, 30);
    assert.equal(sample.fronts!['1']!.apps['shop']!.requestsPerSecond, 30);
    assert.equal(sample.fronts!['2']!.requestsPerSecond, 10);
  });

  it('keeps each sample as it was taken: /history joins their JSON, and a sample handed out cannot change the ring', () => {
    const history = new MetricsHistory(3);
    const metrics = new RequestMetrics({ apps: ['shop'] });
    const taken = [1000, 2000, 3000, 4000].map((at) => history.record(at, 1000, metrics.totals(), metrics.sources(), undefined));
    (taken[3] as { apps: Record<string, unknown> }).apps['shop'] = 'changed';
    assert.deepEqual(history.samples()[2]!.apps['shop'], { requestsPerSecond: 0, serverErrorsPerSecond: 0, p50Ms: null, p99Ms: null, cpuPercent: {}, memoryBytes: {} });
    assert.equal(history.samplesJson(), JSON.stringify(history.samples()));
    assert.deepEqual(JSON.parse(history.samplesJson(4500, 2)).map((s: { at: number }) => s.at), [3000, 4000]);
    assert.equal(new MetricsHistory(3).samplesJson(), '[]');
  });

  it('estimates quantiles within a bucket as histogram_quantile does', () => {
    assert.equal(quantile([0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5), 7.5);
    assert.equal(quantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], 0.99), 10_000);
    assert.equal(quantile(new Array(12).fill(0), 0.5), null);
  });

  // The bound docs/admin.md gives (The history ring): a ring's size grows with apps, workers and
  // fronts, never with traffic. 100 apps of 8 workers under 2 fronts, every figure at its longest.
  it('holds 300 samples of 100 apps of 8 workers under 2 fronts in under 30 MB of JSON, about 85 KB a sample', () => {
    const names = Array.from({ length: 100 }, (_, a) => `application-${String(a).padStart(3, '0')}`);
    const worker = (app: string, w: number) => ({ id: `${app}#${w + 1}`, resources: { cpuPercent: 123.45, memoryBytes: 1_234_567_890 } });
    const status = {
      apps: names.map((name) => ({ name, workers: Array.from({ length: 8 }, (_, w) => worker(name, w)), resources: { cpuPercent: 987.65, memoryBytes: 9_876_543_210 } })),
    } as unknown as PorticoStatus;
    const metrics = new RequestMetrics({ apps: names });
    const front = (n: number) => Object.fromEntries(names.map((name) => [name, { requests: [0, n, 0, 0, n], buckets: [0, n, n, n, n, n, n, n, n, n, n, n], durationSumMs: n, bytesIn: n, bytesOut: n, upstreamFailures: 0, clientClosed: 0, incomplete: 0 }]));
    const history = new MetricsHistory(300);
    for (let i = 0; i < 300; i++) {
      metrics.setSource('1', front(1000 * i + 7));
      metrics.setSource('2', front(900 * i + 3));
      history.record(i * 1000, 1000, metrics.totals(), metrics.sources(), status);
    }
    const bytes = Buffer.byteLength(JSON.stringify(history.samples()));
    const perSample = bytes / 300;
    assert.ok(bytes < 30_000_000, `300 samples take ${bytes} bytes of JSON`);
    assert.ok(perSample > 60_000, `a sample of 100 apps of 8 workers is ${perSample} bytes: the bound in docs/admin.md is out of date`);
  });
});
