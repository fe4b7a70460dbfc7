import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { chooseReadBuffers, readIntoSharedBuffer } from '../../src/internal/forward/readIntoSharedBuffer.ts';
import { socketPair } from './socketPair.ts';

describe('readIntoSharedBuffer', () => {
  it('lends an accepted socket\'s reads to its callback instead of emitting data, and still ends it', async () => {
    const { accepted, client, close } = await socketPair({ pauseOnConnect: true });
    try {
      const lent: string[] = [];
      let emitted = 0;
      accepted.on('data', () => emitted++);
      // Node 20, 24 and 26 keep the option where it looks: if a line stops doing so, this fails
      // and the tunnel falls back to 'data' events (docs/performance.md, Where the time goes: WebSocket).
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
    const { accepted, client, close } = await socketPair({ pauseOnConnect: true });
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

/** A socket connected to `server`, made with `onread` (as a backend connection is) when `onread` is given. */
async function connectTo(server: net.Server, onread?: object): Promise<net.Socket> {
  const port = (server.address() as net.AddressInfo).port;
  const socket = net.connect({ port, host: '127.0.0.1', ...(onread === undefined ? {} : { onread }) } as net.NetConnectOpts);
  await once(socket, 'connect');
  return socket;
}

describe('chooseReadBuffers', () => {
  let server: net.Server;
  const accepted: net.Socket[] = [];
  beforeEach(async () => {
    server = net.createServer((socket) => accepted.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(() => {
    for (const socket of accepted.splice(0)) socket.destroy();
    server.close();
  });
  /** The socket the server accepted last, once it has. */
  const lastAccepted = async (): Promise<net.Socket> => {
    while (accepted.length === 0) await once(server, 'connection');
    return accepted.at(-1)!;
  };

  it('moves the next reads of a socket made with onread to the buffer the reader gives', async () => {
    const first = Buffer.alloc(64);
    const given = Buffer.alloc(64);
    const reads: Array<{ readonly text: string; readonly into: Buffer }> = [];
    const socket = await connectTo(server, {
      buffer: first,
      callback: (length: number, buffer: Buffer) => {
        reads.push({ text: buffer.toString('latin1', 0, length), into: buffer });
        return true;
      },
    });
    try {
      assert.equal(chooseReadBuffers(socket, () => given), true);
      const peer = await lastAccepted();
      // Two reads for sure: the second piece is sent only once the first has been read.
      peer.write('into the socket buffer, ');
      while (reads.length === 0) await new Promise((resolve) => setImmediate(resolve));
      peer.end('then into the given buffer');
      await once(socket, 'end');
      assert.equal(reads.map((r) => r.text).join(''), 'into the socket buffer, then into the given buffer');
      assert.ok(reads.length >= 2, `expected at least two reads, got ${reads.length}`);
      // The first read lands where the socket was made to read, the ones after it in the given buffer.
      assert.equal(reads[0]!.into, first);
      assert.ok(reads.slice(1).every((r) => r.into === given), 'a read after the first landed outside the given buffer');
    } finally {
      socket.destroy();
    }
  });

  // Regression: the guard was `kBuffer in socket`, true of every net.Socket (Node sets the field
  // to null in the constructor), so a socket that reads through 'data' was said to read into the
  // buffers given: a tunnel then made a 128 KiB buffer for every large read and never used one.
  it('leaves a socket that reads through data events as it was, and says so', async () => {
    const socket = await connectTo(server);
    try {
      let asked = 0;
      assert.equal(chooseReadBuffers(socket, () => {
        asked++;
        return Buffer.alloc(64);
      }), false);
      const data: string[] = [];
      socket.on('data', (chunk: Buffer) => data.push(chunk.toString('latin1')));
      (await lastAccepted()).end('as data events');
      await once(socket, 'end');
      assert.equal(data.join(''), 'as data events');
      assert.equal(asked, 0);
    } finally {
      socket.destroy();
    }
  });

  it('leaves a socket whose onread already chooses its own buffers to its owner', async () => {
    const own = Buffer.alloc(64);
    let reads = 0;
    const socket = await connectTo(server, {
      buffer: () => own,
      callback: (_length: number, buffer: Buffer) => {
        assert.equal(buffer, own);
        reads++;
        return true;
      },
    });
    try {
      assert.equal(chooseReadBuffers(socket, () => assert.fail('the owner\'s choice of buffer was replaced')), false);
      (await lastAccepted()).end('into its own buffer');
      await once(socket, 'end');
      assert.ok(reads > 0);
    } finally {
      socket.destroy();
    }
  });
});
