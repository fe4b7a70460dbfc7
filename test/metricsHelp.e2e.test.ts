import assert from 'node:assert/strict';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Portico } from '@portico/portico';
import { changed } from './helpers/load.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

const unanswering = fileURLToPath(new URL('./fixtures/unanswering-backend.mjs', import.meta.url));

/** Each family's HELP text and its samples, from Portico's /metrics exposition. */
function scrape(portico: Portico): { help: Map<string, string>; value: (name: string, labels: string) => number } {
  const text = portico.metrics.render(portico.status());
  const help = new Map<string, string>();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) help.set(h[1]!, h[2]!);
    const s = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (s) values.set(`${s[1]}${s[2] ?? ''}`, Number(s[3]));
  }
  return { help, value: (name, labels) => values.get(`${name}{${labels}}`) ?? Number.NaN };
}

/** A POST whose body goes out chunked, in the given pieces; resolves with the reply's body bytes. */
function chunkedPost(port: number, pieces: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/chunked', method: 'POST', agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(bytes));
    });
    req.on('error', reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

// Issue 19: portico_bytes_received_total counted request heads, though its help text and
// docs/admin.md say request body bytes. Each per-request family is held to its help text here:
// known bodies and heads are sent, and each counter must move by what its text says it counts.
describe('/metrics: what each request counter counts is what its help text says', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  it('counts requests, durations, body bytes each way (heads and chunk framing left out) and requests that could not be forwarded', async () => {
    const { portico, port } = await startPortico({
      apps: [
        app('shop', { start: 'eager' }),
        // Listens, then closes every connection without a byte: no request to it can be forwarded.
        { name: 'dropping', match: { path: '/drop' }, processPath: process.execPath, arguments: [unanswering], environmentVariables: { FAILS: 'destroy' }, startupTimeLimit: 10 },
      ],
    });
    await changed(portico, () => portico.status().apps[0]?.workers.some((w) => w.state === 'ready') === true);
    const before = scrape(portico);
    const body = 'x'.repeat(1000);
    // Heads with headers of their own, so a head counted as body shows.
    const heads = { 'x-padding': 'p'.repeat(500) };
    const replies = [
      await request(port, '/length', { method: 'POST', headers: { ...heads, 'content-type': 'text/plain' }, body }),
      await request(port, '/nobody', { headers: heads }),
    ];
    const chunkedReplyBytes = await chunkedPost(port, ['abc', 'de']);
    // A POST cannot be sent again once its bytes went out: it gets Portico's 502 at once.
    const dropped = await request(port, '/drop', { method: 'POST', body: 'lost' });
    assert.equal(dropped.status, 502);
    const after = scrape(portico);
    const delta = (name: string, labels: string) => after.value(name, labels) - before.value(name, labels);
    const sentBodies = replies.reduce((n, r) => n + Buffer.byteLength(r.body), 0) + chunkedReplyBytes;

    const checks: Array<[string, string, RegExp, number]> = [
      ['portico_requests_total', 'app="shop",code_class="2xx"', /^Requests answered, by app and status class\.$/, 3],
      ['portico_request_duration_seconds_count', 'app="shop"', /^Time from the request head to the last byte of the response, by app\.$/, 3],
      ['portico_bytes_received_total', 'app="shop"', /^Request body bytes received from clients, by app\.$/, 1000 + 5],
      ['portico_bytes_sent_total', 'app="shop"', /^Response body bytes sent to clients, by app\.$/, sentBodies],
      ['portico_upstream_failures_total', 'app="shop"', /^Requests that could not be forwarded to a backend, by app\.$/, 0],
      ['portico_upstream_failures_total', 'app="dropping"', /^Requests that could not be forwarded to a backend, by app\.$/, 1],
      ['portico_requests_total', 'app="dropping",code_class="5xx"', /^Requests answered, by app and status class\.$/, 1],
    ];
    for (const [name, labels, help, expected] of checks) {
      const family = name.replace(/_count$/, '');
      assert.match(after.help.get(family) ?? '(no HELP)', help, `${family}'s help text`);
      assert.equal(delta(name, labels), expected, `${name}{${labels}} moved by ${delta(name, labels)}, not by what its help text counts (${expected})`);
    }
  });
});
