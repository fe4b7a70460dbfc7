import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { FrameType, headers, RawHttp2Client, request } from '@portico/test-support/http2';

/** A node:http2 server that answers each stream with its method, path and `x-long`'s length; `/never` it holds. */
async function server(): Promise<{ readonly port: number; readonly close: () => Promise<void> }> {
  const h2 = http2.createServer();
  h2.on('stream', (stream, fields) => {
    if (fields[':path'] === '/never') return;
    let body = 0;
    stream.on('data', (chunk: Buffer) => (body += chunk.length));
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(`${String(fields[':method'])} ${String(fields[':path'])} ${String(fields['x-long']?.length ?? 0)} ${body}`);
    });
  });
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  return {
    port: (h2.address() as AddressInfo).port,
    close: () => new Promise((resolve) => h2.close(() => resolve())),
  };
}

// The frames are written by hand: a wrong length or HPACK byte would have every test that uses
// them fail for a reason of the client's, not of the server under test.
describe('RawHttp2Client', () => {
  it('speaks HTTP/2 a node:http2 server understands: GET, POST with DATA, a field past one HPACK length byte', async () => {
    const { port, close } = await server();
    const client = await RawHttp2Client.connect(port);
    try {
      client.get(1, '/a');
      client.send(headers(3, request('GET', '/b', [['x-long', 'l'.repeat(300)]]), true));
      client.post(5, '/c');
      client.data(5, Buffer.from('12345'), true);
      assert.deepEqual(await Promise.all([client.outcome(1), client.outcome(3), client.outcome(5)]), [
        { kind: 'response', firstByte: 0x88 },
        { kind: 'response', firstByte: 0x88 },
        { kind: 'response', firstByte: 0x88 },
      ]);
      await client.until(() => [1, 3, 5].every((id) => client.framesOf(FrameType.DATA, id).some((f) => (f.flags & 0x1) !== 0)));
      assert.ok(!client.closed);
    } finally {
      client.close();
      await close();
    }
  });

  it('resolves ping() once every frame the server sent before its PING ACK is in frames', async () => {
    const { port, close } = await server();
    const client = await RawHttp2Client.connect(port);
    try {
      client.get(1, '/never');
      client.reset(1);
      await client.ping();
      assert.deepEqual(client.framesOf(FrameType.HEADERS, 1), []);
      assert.ok(client.frames.some((f) => f.type === FrameType.SETTINGS && (f.flags & 0x1) !== 0), 'the server acknowledged our SETTINGS');
    } finally {
      client.close();
      await close();
    }
  });

  it('reports a stream of a closed connection as closed, and rejects until() instead of waiting forever', async () => {
    const { port, close } = await server();
    const client = await RawHttp2Client.connect(port);
    client.get(1, '/never');
    client.socket.end();
    client.socket.destroy();
    assert.deepEqual(await client.outcome(1), { kind: 'closed' });
    await assert.rejects(client.until(() => false), /closed before the condition held/);
    assert.ok(client.closed);
    await close();
  });
});
