import net from 'node:net';
import tls from 'node:tls';
import { sharedReadBuffer } from './sharedReadBuffer.ts';

/**
 * Node's `onread` (read into a given buffer, no stream machinery) for a socket that `net.Server`
 * accepted, which Node only offers to sockets it connects: each read into a fresh 64 KiB buffer,
 * pushed through the readable stream and a 'data' event costs a WebSocket tunnel about a fifth of
 * its CPU per small message (docs/performance.md, Where the time goes: WebSocket). `net.Socket` keeps the option under
 * three private symbols, read here from a socket made with it; where a Node line has no such
 * symbols or its handle cannot take a buffer, nothing changes and 'data' events carry the reads.
 */
const probe = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } } as net.SocketConstructorOpts);
const symbols = new Map(Object.getOwnPropertySymbols(probe).map((symbol) => [symbol.description, symbol]));
probe.destroy();
const kBuffer = symbols.get('kBuffer');
const kBufferCb = symbols.get('kBufferCb');
const kBufferGen = symbols.get('kBufferGen');

/** What a reader may give to change where a socket reads next (Node's `kBufferGen`): a buffer, or undefined to stay. */
export type NextReadBuffer = () => Buffer | undefined;

interface UserBufferHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * From now on, `socket`'s reads go to `onRead`, lent for the call only (a view of a buffer every
 * switched socket shares: copy what outlives it). `pause()`, `resume()`, 'end', 'error' and
 * 'close' behave as before. After each read, `nextBuffer` may give the buffer the socket reads
 * into from then on (its reads are then views of that one). Answers false, and changes nothing,
 * where it cannot: a TLS socket, another Duplex, bytes still held by the stream (they would be
 * overtaken), or a Node line without the option's symbols.
 */
export function readIntoSharedBuffer(socket: unknown, onRead: (chunk: Buffer) => void, nextBuffer: NextReadBuffer | null = null): boolean {
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return false;
  if (!(socket instanceof net.Socket) || socket instanceof tls.TLSSocket || socket.readableLength > 0) return false;
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (typeof handle?.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[kBuffer] = sharedReadBuffer;
  fields[kBufferCb] = (length: number, buffer: Buffer): boolean => {
    onRead(buffer.subarray(0, length));
    // Pausing is the reader's to do (socket.pause()), as with 'data'.
    return true;
  };
  fields[kBufferGen] = nextBuffer;
  handle.useUserBuffer(sharedReadBuffer);
  return true;
}

/**
 * For a socket made with the `onread` option (a backend connection): after each read,
 * `nextBuffer` may give the buffer it reads into from then on. Answers false, and changes
 * nothing, where that cannot hold: a Node line without the option's symbols, a socket that reads
 * through 'data' events (Node asks `kBufferGen` only while `kBuffer` holds a buffer, and every
 * socket has both fields, null without the option), or one whose `onread` already chooses its
 * buffers (a function as `onread.buffer`: its owner's choice is not ours to replace).
 */
export function chooseReadBuffers(socket: net.Socket, nextBuffer: NextReadBuffer): boolean {
  if (kBuffer === undefined || kBufferGen === undefined) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (!fields[kBuffer] || fields[kBufferGen] != null) return false;
  fields[kBufferGen] = nextBuffer;
  return true;
}
