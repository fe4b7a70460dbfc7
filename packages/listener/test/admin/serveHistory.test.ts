import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsHistory } from '../../src/admin/internal/MetricsHistory.ts';
import { serveHistory } from '../../src/admin/internal/serveHistory.ts';
import { RequestMetrics } from '../../src/index.ts';
import { request } from './http.ts';

interface HistoryAnswer {
  readonly intervalMs: number;
  readonly capacity: number;
  readonly seconds: number;
  readonly samples: readonly { readonly at: number }[];
}

// A full ring of five minutes, one sample a second up to now, served over a real HTTP server.
describe('serveHistory', () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    const history = new MetricsHistory(300);
    const metrics = new RequestMetrics({ apps: ['shop'] });
    const now = Date.now();
    for (let age = 299; age >= 0; age--) history.record(now - age * 1000, 1000, metrics.totals(), metrics.sources(), undefined);
    server = http.createServer((req, res) =>
      serveHistory(req, history, 1000, (status, json) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(json);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const history = async (path: string) => {
    const answer = await request(port, 'GET', path);
    assert.equal(answer.status, 200, answer.body);
    return JSON.parse(answer.body) as HistoryAnswer;
  };

  // It sent the whole ring: at 100 apps of 8 workers under 2 fronts, 25 MB for a client that asked for no window.
  it('sends the last minute without seconds, not the whole ring, and says the window it took', async () => {
    const answer = await history('/history');
    assert.equal(answer.seconds, 60);
    assert.equal(answer.samples.length, 60);
    assert.equal(answer.samples.at(-1)!.at - answer.samples[0]!.at, 59_000, "the newest minute");
  });

  it('sends the whole ring when asked for its five minutes', async () => {
    const answer = await history('/history?seconds=300');
    assert.deepEqual([answer.seconds, answer.samples.length, answer.capacity], [300, 300, 300]);
  });

  it('refuses hostile windows (CR/LF, U+00A0, exponents, signs, zero, long values) with a 400 that echoes at most 40 characters', async () => {
    for (const raw of ['%0D%0Aset-cookie:%20x', '60%C2%A0', '%C2%A060', '1e2', '-5', '+5', '0', '0x10', '9999999', 'a'.repeat(5000), '']) {
      const refused = await request(port, 'GET', `/history?seconds=${raw}`);
      assert.equal(refused.status, 400, raw.slice(0, 20));
      assert.equal(refused.headers['set-cookie'], undefined);
      const { error } = JSON.parse(refused.body) as { error: string };
      const echoed = JSON.parse(/got (".*")$/.exec(error)![1]!) as string;
      assert.equal(echoed, new URLSearchParams(`seconds=${raw}`).get('seconds')!.slice(0, 40));
    }
  });

  it('refuses a window past the ring with a 400 that says the range and the default', async () => {
    const refused = await request(port, 'GET', '/history?seconds=3600');
    assert.equal(refused.status, 400);
    assert.equal(
      (JSON.parse(refused.body) as { error: string }).error,
      'seconds must be a whole number from 1 to 300 (the history keeps 300 seconds; without seconds, the last 60), got "3600"',
    );
  });
});
