import type { Duplex } from 'node:stream';

/**
 * How long a connection that was answered and half-closed reads on before it closes, as the
 * front door's closing linger (docs/proxy.md), and what it reads at most meanwhile.
 */
const lingerMs = 2_000;
const lingerBytes = 1024 * 1024;

/** node:http's parser as it hangs on its socket (`socket.parser`), reading the socket's handle itself once consumed. */
interface HttpParser {
  _consumed?: boolean;
  unconsume?(): void;
}

/** The status for a request node:http's parser refused, by its error's code. */
function statusFor(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

/**
 * The admin endpoint's answer to a request its parser refused (`clientError`): the status that
 * says why (431 for a head past Node's header limit, 408 for one too slow, 400 for anything else),
 * then the connection closes as the front door's does after its own 408 or 400: a FIN after the
 * answer, then what the client still sends is read and dropped until it closes its side, for 2 s
 * or 1 MiB at most. Closed at once, a socket with input unread (or that gets more) is reset by the
 * kernel, and a client still sending (a trickling head, a body) got the reset and could lose the
 * answer before reading it. `lingering` holds such sockets, for the server's close.
 *
 * Nothing is written on a socket already closing, or while a response is under way on it (a follow
 * of the logs): its bytes would land inside that response's body. A connection reset is only closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, lingering: Set<Duplex>): void {
  // Answered already: the parser reports the same error again for bytes that were in flight.
  if (lingering.has(socket)) return;
  // node:http's own handler checks `_headerSent` (the head written); `headersSent` is true from
  // the head being made, so a response begun and not yet flushed gets no bytes of this either.
  const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent === true) return void socket.destroy();
  socket.write(`HTTP/1.1 ${statusFor(error.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  if (!stopParsing(socket)) return void socket.destroy();
  lingering.add(socket);
  let read = 0;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  socket.on('data', (chunk: Buffer) => (read += chunk.length) > lingerBytes && socket.destroy());
  // The client's FIN: it sends no more, so the close resets nothing.
  socket.once('end', () => socket.destroy());
  socket.once('close', () => {
    clearTimeout(timer);
    lingering.delete(socket);
  });
  socket.end();
  socket.resume();
}

/**
 * Takes the socket from node:http's parser, as node:http does for an upgrade: the parser stops
 * reading its handle, and its `data` listener goes. A head that completes after the answer (a
 * trickling one) is then never served. False where this Node has no parser on the socket: the
 * caller closes at once rather than let the parser read on.
 */
function stopParsing(socket: Duplex): boolean {
  const parser = (socket as { parser?: HttpParser | null }).parser;
  if (!parser) return false;
  if (parser._consumed === true) {
    if (typeof parser.unconsume !== 'function') return false;
    parser.unconsume();
    parser._consumed = false;
  }
  socket.removeAllListeners('data');
  return true;
}
