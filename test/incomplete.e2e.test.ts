// A response cut after its head reached the client (here: the backend dies mid-body) is counted
// as nginx logs it: with the status the client got, and as incomplete
// (portico_requests_incomplete_total), over HTTP/1.1 and HTTP/2, with one front and with two.
// Before, it was counted with status 0, a 5xx, though the client had a 200.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, series } from './helpers/metricsText.ts';
import { admin, app, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** An HTTP/1.1 GET /?truncate; resolves with what the client got once the connection closed. */
function h1Truncated(port: number): Promise<string> {
  return new Promise((resolve) => {
    const client = net.connect(port, '127.0.0.1', () => client.write('GET /?truncate HTTP/1.1\r\nHost: a\r\n\r\n'));
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.on('error', () => {});
    client.on('close', () => resolve(text));
  });
}

/** An HTTP/2 GET /?truncate; resolves with the response's status once the stream closed. */
function h2Truncated(port: number): Promise<number> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const stream = session.request({ ':path': '/?truncate' });
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', () => {});
    stream.on('error', () => {});
    stream.on('close', () => {
      session.close();
      resolve(status);
    });
  });
}

describe('a response cut after its head reached the client', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  for (const fronts of [1, 2]) {
    it(`is counted with the status sent and as incomplete, not as a 5xx, over HTTP/1.1 and HTTP/2 with ${fronts} front${fronts > 1 ? 's' : ''}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'portico-e2e-'));
      const socket = join(dir, 'run', 'admin.sock');
      const { port } = await startPortico({
        fronts,
        admin: { port: 0, socket },
        listen: [{ port: 0, host: '127.0.0.1', h2c: true }],
        apps: [app('cut', { start: 'eager' })],
      }, dir);
      assert.match(await h1Truncated(port), /^HTTP\/1\.1 200 /);
      assert.equal(await h2Truncated(port), 200);
      const text = await eventually(() => admin(socket, '/metrics'), (m) => series(m, 'portico_requests_incomplete_total', 'app="cut"') === 2);
      assert.equal(series(text, 'portico_requests_total', 'app="cut",code_class="2xx"'), 2);
      assert.equal(series(text, 'portico_requests_total', 'app="cut",code_class="5xx"'), 0, 'the client got a 200, cut: no server error of Portico');
      assert.equal(series(text, 'portico_requests_client_closed_total', 'app="cut"'), 0);
    });
  }
});
