import type net from 'node:net';
import type { Http2ConnectionHandler } from './createListener.ts';

/** The client connection preface (RFC 9113 §3.4): what every HTTP/2 connection with prior knowledge opens with. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Reads a plain connection's first bytes: the HTTP/2 preface goes to the handler's `handleHttp2Connection`, anything else to the
 * HTTP/1.1 framer, with the bytes read put back (`unshift`) for whichever takes the socket. A
 * client that has sent neither within `timeout` ms is closed. h2c by `Upgrade` is never taken:
 * that goes through the HTTP/1.1 framer, which strips it (docs/proxy.md).
 */
export function sniffPreface(socket: net.Socket, timeout: number, handler: Http2ConnectionHandler): void {
  let seen: Buffer | undefined;
  const onData = (chunk: Buffer): void => {
    seen = seen === undefined ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isHttp2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    // A prefix of the preface: wait for the rest.
    if (isHttp2 && n < PREFACE.length) return;
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('end', onError);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    if (isHttp2) return handler.handleHttp2Connection(socket);
    handler.handleConnection(socket);
    socket.resume();
  };
  const onError = (): void => {
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('error', onError);
  // Gone before saying anything: nothing to serve.
  socket.on('end', onError);
  socket.setTimeout(timeout, () => socket.destroy());
}
