import net from 'node:net';

/**
 * Sends `GET path` on a raw connection of its own and keeps it open (keep-alive), as a client that
 * may send another request: `text()` is what arrived so far, `closed` resolves with all of it once
 * the connection closes (whoever closed it, and with no error for a reset).
 */
export function rawGet(port: number, path: string): { readonly socket: net.Socket; readonly text: () => string; readonly closed: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
  return { socket, text: () => text, closed: new Promise<string>((resolve) => socket.on('close', () => resolve(text))) };
}
