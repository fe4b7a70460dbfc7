import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';

/**
 * Opens a WebSocket tunnel through Portico on `port` to `path` of the backend, over a raw socket
 * (no client library, so a test sees every byte and paces the reads itself). Resolves once the
 * 101 is read, the socket paused, with the bytes that came after the 101 (the tunnel's first).
 * Nagle is off, so small writes go out as they are made.
 */
export async function openTunnel(port: number, path: string): Promise<{ readonly socket: net.Socket; readonly rest: Buffer }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let head = Buffer.alloc(0);
  for (;;) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) continue;
    socket.pause();
    assert.match(head.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101 /);
    return { socket, rest: head.subarray(end + 4) };
  }
}
