// Issue 15: a backend that reflects request headers into its response must not leak Portico's
// pairing token or the identity headers to the client, whichever engine relays it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator, type Authenticator } from '@portico/auth-forwarder';
import { createRouter, type AppBackends, type HeaderPair } from '@portico/router';
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
    // Forward-auth's copyHeaders carry identity too (issue 15's gap): reflected folded as well.
    if (req.headers['x-auth-email'] !== undefined) res.setHeader('X_Auth_Email', String(req.headers['x-auth-email']));
    res.setHeader('MS-ASPNETCORE-TOKEN', String(req.headers['x-portico-token']));
    res.end('ok');
  });
  return backend.port;
}

function leaked(names: readonly string[]): string[] {
  return names.filter((name) => /^(x[-_.]portico[-_.]|ms[-_.]aspnetcore|x[-_.]auth[-_.]email)/i.test(name));
}

/** What a forward-auth app's authenticator adds for the backend: the user, and a copied header. */
const withEmail = (headers: HeaderPair[]): HeaderPair[] => [['x-auth-email', 'alice@corp.test'], ...identity(headers)];

/** A forward-auth service that admits everyone as alice, with her e-mail address to copy. */
async function startAuthService(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'x-auth-user': 'alice', 'x-auth-email': 'alice@corp.test' });
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`, close: () => server.close() };
}

/** One ready worker at `port`, as a pool would list it. */
function backendsAt(port: number): AppBackends {
  return {
    ready: [{ id: 'b#1', pid: 1, endpoint: { kind: 'tcp', host: '127.0.0.1', port }, token: 'secret-token', load: { inFlight: 0 }, notifyIdle: () => {}, notifyUnreachable: () => {} }],
    state: 'ready',
    lastExit: undefined,
    start: async () => {},
    stop: async () => {},
    onChange: () => () => {},
  };
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

  it('socket forwarder: the dispatch\'s hidden headers (forward-auth copyHeaders) are removed in every spelling', async () => {
    const port = await startReflectingBackend();
    const proxy = await startProxy({
      dispatch: () => ({ kind: 'forward', upstream: upstreamAt(port, 'b', 'secret-token'), transformHeaders: withEmail, hiddenResponseHeaders: ['x-auth-email'] }),
    });
    const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Ordinary: yes\r\nConnection: close\r\n\r\n');
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.ok(!text.includes('alice@corp.test'), head);
    assert.match(head, /\r\nx-ordinary: yes\r\n/i);
  });

  it('embedded forwarder: the dispatch\'s hidden headers (forward-auth copyHeaders) are removed in every spelling', async () => {
    const port = await startReflectingBackend();
    const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(port, 'b', 'secret-token'), transformHeaders: withEmail, hiddenResponseHeaders: ['x-auth-email'] }));
    const reply = await send(host.port, '/', { headers: { 'x-ordinary': 'yes' } });
    assert.equal(reply.status, 200);
    assert.deepEqual(leaked(reply.rawHeaders.filter((_, i) => i % 2 === 0)), []);
    assert.ok(!reply.rawHeaders.includes('alice@corp.test'));
    assert.equal(reply.headers['x-ordinary'], 'yes');
  });

  it('router: an app with forward auth hides its copyHeaders from the response of a backend that reflects them', async () => {
    const port = await startReflectingBackend();
    const service = await startAuthService();
    const authenticator: Authenticator = createAuthenticator({ type: 'forward', url: service.url, copyHeaders: ['x-auth-email'] });
    try {
      const router = createRouter([{ name: 'portal', match: { host: '*', path: '/' }, backends: backendsAt(port), authenticator }]);
      const proxy = await startProxy({ dispatch: (request) => router.route({ head: request.head, remoteAddress: '127.0.0.1', requestId: request.requestId }) });
      const { text } = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer x\r\nX-Ordinary: yes\r\nConnection: close\r\n\r\n');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      assert.match(head, /^HTTP\/1\.1 200 /);
      assert.match(head, /\r\nx-ordinary: yes\r\n/i, 'the backend reflected what it got');
      assert.ok(!text.includes('alice@corp.test'), head);
    } finally {
      await authenticator.close();
      service.close();
    }
  });
});
