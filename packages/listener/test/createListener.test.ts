import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, it } from 'mocha';
import { createListener, type Listener } from '../src/index.ts';

/** A client connection and whether the listener handed it to the handler or closed it unserved. */
interface Client {
  readonly socket: net.Socket;
  /** Resolves `closed` when the listener closes the connection at accept, `held` once the handler has it. */
  readonly fate: Promise<'held' | 'closed'>;
}

describe('createListener', () => {
  let listener: Listener | undefined;
  const held: net.Socket[] = [];
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of [...clients, ...held]) socket.destroy();
    clients.length = 0;
    held.length = 0;
    await listener?.stopAccepting();
    listener = undefined;
  });

  /** Starts a listener whose handler holds every connection open and says it has it with one byte. */
  async function start(ports: number, maxConnections: number): Promise<number[]> {
    listener = createListener({
      entries: Array.from({ length: ports }, () => ({ port: 0, host: '127.0.0.1' })),
      maxConnections,
      handler: () => ({
        handleConnection(socket) {
          held.push(socket);
          socket.on('error', () => {});
          socket.on('end', () => socket.end());
          socket.write('+');
        },
      }),
    });
    return (await listener.start()).map((address) => address.port);
  }

  function connect(port: number): Client {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    clients.push(socket);
    const fate = new Promise<'held' | 'closed'>((resolve) => {
      socket.once('data', () => resolve('held'));
      socket.once('close', () => resolve('closed'));
    });
    return { socket, fate };
  }

  // The sniff's deadline is clock.setTimeout, which (as Node's timers) fires after 1 ms for a
  // delay above 2^31 - 1 and at once for a negative or NaN one: each closed every h2c connection.
  describe('handshakeTimeout', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 31]) {
      it(`refuses ${String(bad)}, saying what it takes`, () => {
        assert.throws(
          () => createListener({ entries: [{ port: 0, h2c: true }], handshakeTimeout: bad, handler: () => ({ handleConnection() {} }) }),
          (error: Error) => error.name === 'InvalidListenerOptionError' && error.message.includes('handshakeTimeout') && error.message.includes('2147483647'),
        );
      });
    }
  });

  describe('limits.maxConnections', () => {
    // The docs promised "over all listeners", as nginx's worker_connections counts every
    // connection of a worker; each listener counted its own, so two listeners held twice the limit.
    it('counts the connections of every listener together: the (N+1)th over two listeners is closed at accept', async () => {
      const [first, second] = await start(2, 3);
      assert.equal(await connect(first!).fate, 'held');
      assert.equal(await connect(second!).fate, 'held');
      assert.equal(await connect(first!).fate, 'held');
      assert.equal(await connect(second!).fate, 'closed', 'the fourth connection over both listeners');
      assert.equal(await connect(first!).fate, 'closed', 'a fifth one, on the other listener');
      assert.equal(held.length, 3);
    });

    it('accepts again on any listener once a connection on another one has closed', async () => {
      const [first, second] = await start(2, 2);
      const a = connect(first!);
      assert.equal(await a.fate, 'held');
      assert.equal(await connect(second!).fate, 'held');
      assert.equal(await connect(second!).fate, 'closed');
      const closedOnServer = once(held[0]!, 'close');
      a.socket.destroy();
      await closedOnServer;
      assert.equal(await connect(second!).fate, 'held');
      assert.equal(await connect(first!).fate, 'closed');
    });

    it('applies a changed limit over all listeners to the connections accepted from then on', async () => {
      const [first, second] = await start(2, 1);
      assert.equal(await connect(first!).fate, 'held');
      assert.equal(await connect(second!).fate, 'closed');
      listener!.setMaxConnections(3);
      assert.equal(await connect(second!).fate, 'held');
      assert.equal(await connect(first!).fate, 'held');
      assert.equal(await connect(second!).fate, 'closed');
      listener!.setMaxConnections(2);
      assert.equal(await connect(first!).fate, 'closed', 'three are open, over the new limit of two');
    });
  });
});
