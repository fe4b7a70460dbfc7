import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createAdminServer, RequestMetrics, type AdminServer } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';

/**
 * `102 Processing` while a slow answer is worked on (e2e: the heartbeat is a second of real time).
 * Only a client that asks for it gets it: Python's http.client (urllib, requests) takes any 1xx
 * but 100 as the final answer, so a deploy script's POST /reload read a bare 102 with no body,
 * a success by its status, while the rollout went on and could still fail.
 */
describe('createAdminServer: 102 Processing', function () {
  this.timeout(60_000);
  let source: FakeAdminSource;
  let admin: AdminServer;
  let port: number;
  let finish: () => void;

  beforeEach(async () => {
    source = new FakeAdminSource();
    const done = new Promise<void>((resolve) => (finish = resolve));
    source.reloadResult = async () => {
      await done;
      return { ok: true };
    };
    admin = createAdminServer({ source, metrics: new RequestMetrics(), port: 0 });
    ({ port } = await admin.start());
  });

  afterEach(async () => {
    finish();
    await admin.close();
  });

  it('says it is at work to a client that asks for it (Portico-Progress: 102), then answers', async () => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/reload', agent: false, headers: { 'Portico-Progress': '102' } });
    req.end();
    const [info] = (await once(req, 'information')) as [http.InformationEvent];
    assert.equal(info.statusCode, 102);
    finish();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.resume();
    assert.equal(res.statusCode, 200);
  });

  it('sends a client that did not ask for it its final answer only, however long it takes', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write('POST /reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
    // Past two heartbeats: the server has been working on it for 2.5 s when it answers.
    const heartbeats = setTimeout(finish, 2500);
    try {
      await new Promise<void>((resolve) => socket.on('data', () => received.includes('\r\n\r\n{') && resolve()));
    } finally {
      clearTimeout(heartbeats);
      socket.destroy();
    }
    assert.match(received, /^HTTP\/1\.1 200 /, `the first bytes the client read: ${JSON.stringify(received.slice(0, 40))}`);
  });
});
