import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createEmbeddedForwarder, type ForwarderEvent } from '@portico/router';

// Regression: a host that mounted the handler on an http2 server (its compatibility API passes
// request and response objects much like node:http's) got a bare 505 "HTTP/2.0 is not supported"
// logged at info, and Node's UnsupportedWarning twice on its stderr (the reason phrase and the
// Connection field Portico wrote), none of which said that the server was the thing to change.
describe('createEmbeddedForwarder on an http2 server', () => {
  it('refuses with 505, names the fix, and writes an answer HTTP/2 can carry', async () => {
    const events: ForwarderEvent[] = [];
    let dispatched = 0;
    const forwarder = createEmbeddedForwarder({
      dispatch: () => {
        dispatched++;
        return { kind: 'respond', status: 200 };
      },
      onEvent: (event) => events.push(event),
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    // The compatibility API's objects are not node:http's types: a JavaScript host passes them anyway.
    const server = http2.createServer((req, res) => forwarder.handler(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const stream = session.request({ ':path': '/app/x' });
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      await once(stream, 'end');
      assert.equal(headers[':status'], 505);
      assert.equal(headers['content-length'], String(Buffer.byteLength(body)));
      assert.equal(dispatched, 0, 'never dispatched');
      const refused = events.find((e) => e.type === 'request.refused');
      assert.ok(refused && refused.type === 'request.refused');
      assert.match(refused.reason, /HTTP\/2\.0 request reached Portico's embedded handler.*node:http or node:https server/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.map((w) => w.message), [], 'no warning on the host’s stderr');
    } finally {
      process.off('warning', onWarning);
      session.close();
      server.close();
      forwarder.close();
    }
  });
});
