// Issue 15: a backend that reflects request headers into its response must not leak Portico's
// pairing token or the identity headers to the client, whichever engine relays it.
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { HeaderPair } from '@portico/router';
import { closeAll as closeHosts, send, startHost } from '../embed/embedHarness.ts';
import { closeAll, rawRequest, startHttpBackend, startProxy, upstreamAt } from '../forward/harness.ts';

const identity = (headers: HeaderPair[]): HeaderPair[] => [
  ['x-portico-user', 'alice'],
  ['x-portico-claims', '{"role":"admin"}'],
  ['x-portico-client-cert', 'AAAA'],
  ['ms-aspnetcore-clientcert', 'AAAA'],
  ...headers,
];

/** Sets every request header it got (but framing and Host) as a response header, and a folded spelling of the token. */
async function startReflectingBackend(): Promise<number> {
  const backend = await startHttpBackend((req: http.IncomingMessage, res: http.ServerResponse) => {
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'host' || name === 'connection' || name === 'content-length' || name === 'transfer-encoding' || value === undefined) continue;
      res.setHeader(name, value);
    }
    res.setHeader('X_Portico_Token', String(req.headers['x-portico-token']));
    res.setHeader('MS-ASPNETCORE-TOKEN', String(req.headers['x-portico-token']));
    res.end('ok');
  });
  return backend.port;
}

function leaked(names: readonly string[]): string[] {
  return names.filter((name) => /^(x[-_.]portico[-_.]|ms[-_.]aspnetcore)/i.test(name));
}

describe('relayed responses never carry Portico\'s token or identity headers', () => {
  afterEach(async () => {
    await closeHosts();
    await closeAll();
  });

  it('socket forwarder: a reflecting backend\'s copies are removed, its other headers kept', async () => {
    const port = await startReflectingBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(port, 'b', 'secret-token'), transformRequestHeaders: identity });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Ordinary: yes\r\nConnection: close\r\n\r\n');
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    const names = head.split('\r\n').slice(1).map((line) => line.slice(0, line.indexOf(':')));
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.deepEqual(leaked(names), []);
    assert.ok(!text.includes('secret-token'), text);
    assert.ok(names.includes('x-ordinary'), 'an ordinary reflected header is kept');
  });

  it('embedded forwarder: a reflecting backend\'s copies are removed, its other headers kept', async () => {
    const port = await startReflectingBackend();
    const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(port, 'b', 'secret-token'), transformHeaders: identity }));
    const reply = await send(host.port, '/', { headers: { 'x-ordinary': 'yes' } });
    const names = reply.rawHeaders.filter((_, i) => i % 2 === 0);
    assert.equal(reply.status, 200);
    assert.deepEqual(leaked(names), []);
    assert.ok(!reply.rawHeaders.includes('secret-token'));
    assert.equal(reply.headers['x-ordinary'], 'yes');
  });
});
