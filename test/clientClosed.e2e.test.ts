// A client that leaves while its request is with the backend (a FIN, a reset, an HTTP/2 stream
// reset) gets nothing, and its request is counted as nginx logs it: 499, client closed request.
// Before, it was counted with status 0, which /metrics shows as a 5xx (a server error, paged on),
// and its time until the client left went into the latency histogram, whose percentiles say how
// long the backend takes to answer.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PorticoStatus } from '@portico/portico';
import { eventually, series } from './helpers/metricsText.ts';
import { admin, app, startPortico, stopAllPorticos } from './helpers/portico.ts';

const inFlight = (status: PorticoStatus) => status.apps[0]!.workers.reduce((n, w) => n + w.inFlight, 0);
const answered = (metrics: string) => ['1xx', '2xx', '3xx', '4xx', '5xx'].reduce((n, c) => n + series(metrics, 'portico_requests_total', `app="slow",code_class="${c}"`), 0);

describe('a client that leaves while its request is forwarded', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  for (const fronts of [1, 2]) {
    it(`is counted as 499, neither a 5xx nor a latency, over HTTP/1.1 (FIN, reset) and HTTP/2 (stream reset) with ${fronts} front${fronts > 1 ? 's' : ''}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-e2e-'));
      const socket = join(dir, 'run', 'admin.sock');
      const arrivals = join(dir, 'arrivals');
      const { port } = await startPortico({
        fronts,
        admin: { port: 0, socket },
        listen: [{ port: 0, host: '127.0.0.1', h2c: true }],
        apps: [app('slow', { start: 'eager', environmentVariables: { ARRIVALS_FILE: arrivals } })],
      }, dir);
      const status = async () => JSON.parse(await admin(socket, '/status')) as PorticoStatus;
      const fin = net.connect(port, '127.0.0.1', () => fin.write('GET /?delay=20000 HTTP/1.1\r\nHost: a\r\n\r\n'));
      fin.on('error', () => {});
      const reset = net.connect(port, '127.0.0.1', () => reset.write('GET /?delay=20000 HTTP/1.1\r\nHost: a\r\n\r\n'));
      reset.on('error', () => {});
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
      const stream = session.request({ ':path': '/?delay=20000' });
      stream.on('error', () => {});
      // All three are with the backend, which answers after 20 s.
      await eventually(() => readFile(arrivals, 'utf8').catch(() => ''), (text) => text.split('\n').length === 4);
      fin.end();
      reset.resetAndDestroy();
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await once(stream, 'close');
      session.close();
      fin.destroy();

      const text = await eventually(() => admin(socket, '/metrics'), (m) => answered(m) === 3);
      assert.equal(inFlight(await status()), 0, 'the worker has no request in flight');
      assert.equal(series(text, 'portico_requests_total', 'app="slow",code_class="5xx"'), 0, 'a client leaving is no server error');
      assert.equal(series(text, 'portico_requests_total', 'app="slow",code_class="4xx"'), 3);
      assert.equal(series(text, 'portico_requests_client_closed_total', 'app="slow"'), 3);
      assert.equal(series(text, 'portico_request_duration_seconds_count', 'app="slow"'), 0, 'no latency: the backend never answered');
      assert.equal(series(text, 'portico_upstream_failures_total', 'app="slow"'), 0);
    });
  }
});
