import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { createListener } from '@portico/listener';
import { createForwarder } from '@portico/router';

/** One keep-alive GET on `agent`, read to its end. */
function get(port: number, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('an h2c listener in front of the forwarder', () => {
  // Regression: the listener's h2c sniffer read a connection's first bytes and put them back
  // (unshift), so the stream still held them when the forwarder tried to read the socket through
  // the shared buffer (readIntoSharedBuffer refuses then), and the connection stayed on Node's
  // stream path, a 64 KiB buffer and a 'data' event per read, for its whole life. The sniffed
  // bytes are handed over now, and the socket's stream holds none.
  it('reads an HTTP/1.1 connection through the shared buffer after the sniff', async () => {
    const backend = http.createServer((_req, res) => res.end('ok'));
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const forwarder = createForwarder({ pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port: (backend.address() as net.AddressInfo).port }, token: 't' }) });
    const accepted: net.Socket[] = [];
    const listener = createListener({
      entries: [{ port: 0, host: '127.0.0.1', h2c: true }],
      handler: () => ({
        handleConnection: (socket, sniffed) => {
          accepted.push(socket);
          forwarder.handleConnection(socket, sniffed);
        },
        handleHttp2Connection: () => assert.fail('an HTTP/1.1 client was taken for HTTP/2'),
      }),
    });
    const [address] = await listener.start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal(await get(address!.port, agent), 'ok');
      // A read the stream emits is a read that did not go through the shared buffer.
      let emitted = 0;
      accepted[0]!.on('data', () => emitted++);
      for (let i = 0; i < 3; i++) assert.equal(await get(address!.port, agent), 'ok');
      assert.equal(accepted.length, 1, 'the requests shared one connection');
      assert.equal(emitted, 0);
    } finally {
      agent.destroy();
      await listener.stopAccepting();
      await forwarder.close();
      backend.close();
    }
  });
});
