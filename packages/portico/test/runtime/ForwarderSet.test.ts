import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
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
      await until(() => set.connectionCount > before);
      return client;
    };
    const ended = async (client: net.Socket) => {
      const before = set.connectionCount;
      client.destroy();
      await until(() => set.connectionCount < before);
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
});

/** Waits (turns of the event loop, at most two seconds) until `done()`. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(done(), 'the condition came true');
}
