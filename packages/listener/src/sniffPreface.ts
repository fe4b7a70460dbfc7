import type net from 'node:net';
import type { Clock } from '@portico/supervisor';
import type { Http2ConnectionHandler } from './createListener.ts';

/** The client connection preface (RFC 9113 §3.4): what every HTTP/2 connection with prior knowledge opens with. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Reads a plain connection's first bytes: the HTTP/2 preface goes to the handler's
 * `handleHttp2Connection`, anything else to the HTTP/1.1 framer, with the bytes read handed over
 * as `initial`, never put back into the socket's stream: each engine takes them its own way, and
 * the HTTP/1.1 reader can read the socket through the shared buffer from its first read on. It
 * reads only as far as it must to decide (one byte for most requests, which do not start with
 * `P`). A client that has not let it decide within `timeout` ms of the call (made at accept), on
 * `clock`, is closed (0: never): a total, as a TLS handshake's, not a time of silence, which a client sending
 * one byte of the preface a little inside the timeout would reset 23 times. h2c by `Upgrade` is
 * never taken: that goes through the HTTP/1.1 framer, which strips it (docs/proxy.md).
 */
export function sniffPreface(socket: net.Socket, timeout: number, handler: Http2ConnectionHandler, clock: Clock): void {
  let seen: Buffer | undefined;
  const onData = (chunk: Buffer): void => {
    seen = seen === undefined ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isHttp2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    // A prefix of the preface: wait for the rest.
    if (isHttp2 && n < PREFACE.length) return;
    stop();
    // Handed over in this same call, before the socket can emit another read: the engine's own
    // reader is in place before the next one, and the stream holds nothing.
    if (isHttp2) handler.handleHttp2Connection(socket, seen);
    else handler.handleConnection(socket, seen);
  };
  const onError = (): void => {
    socket.destroy();
  };
  // 0 is no limit, as for Node's TLS handshakeTimeout: a timer of 0 would close every client at once.
  const deadline = timeout > 0 ? clock.setTimeout(onError, timeout) : undefined;
  const stop = (): void => {
    if (deadline !== undefined) clock.clearTimeout(deadline);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('end', onError);
    socket.off('close', stop);
  };
  socket.on('data', onData);
  socket.on('error', onError);
  // Gone before saying anything: nothing to serve.
  socket.on('end', onError);
  socket.on('close', stop);
}
