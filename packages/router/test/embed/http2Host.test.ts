import assert from 'node:assert/strict';
import { createEmbeddedForwarder, type ForwarderEvent } from '@portico/router';
import { getOnHttp2Host } from '@portico/test-support/http2';

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
    try {
      const { headers, body } = await getOnHttp2Host(forwarder.handler, '/app/x');
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
      forwarder.close();
    }
  });
});
