import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { readIntoSharedBuffer } from '../../src/internal/forward/readIntoSharedBuffer.ts';

/** A connected pair: the socket `net.Server` accepted, and the client's. */
async function acceptedPair(): Promise<{ readonly accepted: net.Socket; readonly client: net.Socket; close(): void }> {
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  await once(client, 'connect');
  return {
    accepted,
    client,
    close: () => {
      accepted.destroy();
      client.destroy();
      server.close();
    },
  };
}

describe('readIntoSharedBuffer', () => {
  it('lends an accepted socket\'s reads to its callback instead of emitting data, and still ends it', async () => {
    const { accepted, client, close } = await acceptedPair();
    try {
      const lent: string[] = [];
      let emitted = 0;
      accepted.on('data', () => emitted++);
      // Node 20, 24 and 26 keep the option where it looks: if a line stops doing so, this fails
      // and the tunnel falls back to 'data' events (docs/proxy.md, WebSocket echo).
      assert.equal(readIntoSharedBuffer(accepted, (chunk) => lent.push(chunk.toString('latin1'))), true);
      accepted.resume();
      client.end('every byte');
      await once(accepted, 'end');
      assert.equal(lent.join(''), 'every byte');
      assert.equal(emitted, 0);
    } finally {
      close();
    }
  });

  it('leaves a socket whose stream holds bytes, or a stream that is not a socket, as it was', async () => {
    const { accepted, client, close } = await acceptedPair();
    try {
      accepted.resume();
      accepted.pause();
      client.write('held');
      while (accepted.readableLength === 0) await once(accepted, 'readable');
      // Reads into the buffer would overtake the bytes the stream holds.
      assert.equal(readIntoSharedBuffer(accepted, () => assert.fail('a read was lent')), false);
      assert.equal(readIntoSharedBuffer(new PassThrough(), () => assert.fail('a read was lent')), false);
    } finally {
      close();
    }
  });
});
