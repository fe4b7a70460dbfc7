import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { turnsUntil } from '@portico/test-support';
import { resolveConfig } from '../../src/config/loadConfig.ts';
import { ForwarderSet } from '../../src/runtime/ForwarderSet.ts';

const { limits } = resolveConfig({ listen: [{ port: 0 }], apps: [{ name: 'shop', processPath: '/bin/true' }] }, { file: '/tmp/portico.json', baseDir: '/tmp' });

describe('ForwarderSet', () => {
  let server: net.Server | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    server?.close();
  });

  // Every reload that changed `limits` left its socket forwarders in the set (and in a front's
  // list, runFront) for as long as Portico ran, connections ended or not: 21 here, before.
  it('lets go of a forwarder of earlier limits once its last connection has ended', async () => {
    const set = new ForwarderSet(limits, { dispatch: () => {
        throw new Error('no request is sent');
      }, servesHost: () => true, onEvent: () => {} });
    server = net.createServer((socket) => set.handler('http').handleConnection(socket, undefined));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    /** A client connection, once the set's forwarder serves it. */
    const connect = async (): Promise<net.Socket> => {
      const before = set.connectionCount;
      const client = net.connect(port, '127.0.0.1');
      clients.push(client);
      await turnsUntil(() => set.connectionCount > before);
      return client;
    };
    const ended = async (client: net.Socket) => {
      const before = set.connectionCount;
      client.destroy();
      await turnsUntil(() => set.connectionCount < before);
    };
    // One connection stays open on the first limits' forwarder; each reload after has one that ends.
    const held = await connect();
    for (let reload = 1; reload <= 20; reload++) {
      set.useLimits({ ...limits, keepAliveTimeout: limits.keepAliveTimeout + reload });
      await ended(await connect());
    }
    assert.equal(set.held, 2, 'the forwarder in use, and the first one, which still serves a connection');
    await ended(held);
    assert.equal(set.held, 1, 'the forwarder in use');
    await set.close();
  });

  // A connection still in its TLS handshake or h2c sniff when the listeners stopped is handed over
  // once that ends, which may be after the stop closed the forwarders: a new forwarder, never
  // closed, took it and served it after Portico had stopped.
  it('refuses a connection handed over after it closed', async () => {
    const set = new ForwarderSet(limits, { dispatch: () => {
        throw new Error('no request is sent');
      }, servesHost: () => true, onEvent: () => {} });
    await set.close();
    const handed = new Promise<net.Socket>((resolve) => {
      server = net.createServer((socket) => {
        set.handler('http').handleConnection(socket, undefined);
        resolve(socket);
      });
    });
    server!.listen(0, '127.0.0.1');
    await once(server!, 'listening');
    const client = net.connect((server!.address() as net.AddressInfo).port, '127.0.0.1');
    client.on('error', () => {});
    clients.push(client);
    const socket = await handed;
    assert.ok(socket.destroyed, 'the connection is closed');
    assert.equal(set.held, 0, 'no forwarder is made');
  });

  // An old embedded forwarder was let go without closing (closing cut its requests in flight),
  // so its pooled backend connections stayed open until upstreamIdleTimeout after every reload.
  it('closes the idle backend connections of an embedded forwarder of earlier limits at the reload', async () => {
    const backendSockets: net.Socket[] = [];
    const backend = http.createServer((_req, res) => res.end('ok'));
    backend.on('connection', (socket: net.Socket) => backendSockets.push(socket));
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const upstream = { id: 'shop#1@1', address: { host: '127.0.0.1', port: (backend.address() as net.AddressInfo).port }, token: 't' };
    const set = new ForwarderSet(limits, { dispatch: () => ({ kind: 'forward', upstream }), servesHost: () => true, onEvent: () => {} });
    const host = http.createServer((req, res) => set.embedded.handler(req, res));
    server = host.listen(0, '127.0.0.1');
    await once(host, 'listening');
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: (host.address() as net.AddressInfo).port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        }).on('error', reject);
      });
    try {
      assert.equal(await get(), 200);
      assert.equal(backendSockets.length, 1);
      let gone = false;
      backendSockets[0]!.once('end', () => (gone = true)).once('close', () => (gone = true));
      set.useLimits({ ...limits, keepAliveTimeout: limits.keepAliveTimeout + 1 });
      // Closed at the reload, its end reached the backend before the next request's connection was
      // opened, so the backend has seen it by the time that request is answered; left open, it was
      // closed only by its idle timeout (upstreamIdleTimeout, seconds later).
      assert.equal(await get(), 200);
      assert.equal(backendSockets.length, 2, 'the request through the new forwarder had a connection of its own');
      assert.ok(gone, 'the pooled backend connection of the earlier limits was closed at the reload');
    } finally {
      host.closeAllConnections();
      backend.closeAllConnections();
      backend.close();
      await set.close();
    }
  });
});
