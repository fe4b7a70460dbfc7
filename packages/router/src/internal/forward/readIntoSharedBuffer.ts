import net from 'node:net';
import tls from 'node:tls';

/**
 * Node's `onread` (read into a given buffer, no stream machinery) for a socket that `net.Server`
 * accepted, which Node only offers to sockets it connects: each read into a fresh 64 KiB buffer,
 * pushed through the readable stream and a 'data' event costs a WebSocket tunnel about a fifth of
 * its CPU per small message (docs/proxy.md, WebSocket echo). `net.Socket` keeps the option under
 * three private symbols, read here from a socket made with it; where a Node line has no such
 * symbols or its handle cannot take a buffer, nothing changes and 'data' events carry the reads.
 */
const probe = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } } as net.SocketConstructorOpts);
const symbols = new Map(Object.getOwnPropertySymbols(probe).map((symbol) => [symbol.description, symbol]));
probe.destroy();
const kBuffer = symbols.get('kBuffer');
const kBufferCb = symbols.get('kBufferCb');
const kBufferGen = symbols.get('kBufferGen');

/** Where switched sockets read into; each read is handed on before the next one can land. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

interface UserBufferHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * From now on, `socket`'s reads go to `onRead`, lent for the call only (a view of a buffer every
 * switched socket shares: copy what outlives it). `pause()`, `resume()`, 'end', 'error' and
 * 'close' behave as before. Answers false, and changes nothing, where it cannot: a TLS socket,
 * another Duplex, bytes still held by the stream (they would be overtaken), or a Node line
 * without the option's symbols.
 */
export function readIntoSharedBuffer(socket: unknown, onRead: (chunk: Buffer) => void): boolean {
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return false;
  if (!(socket instanceof net.Socket) || socket instanceof tls.TLSSocket || socket.readableLength > 0) return false;
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (typeof handle?.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[kBuffer] = readBuffer;
  fields[kBufferCb] = (length: number, buffer: Buffer): boolean => {
    onRead(buffer.subarray(0, length));
    // Pausing is the reader's to do (socket.pause()), as with 'data'.
    return true;
  };
  fields[kBufferGen] = null;
  handle.useUserBuffer(readBuffer);
  return true;
}
