import type { Duplex } from 'node:stream';

/** The status for a request node:http's parser refused, by its error's code. */
function statusFor(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

/**
 * The admin endpoint's answer to a request its parser refused (`clientError`): the status that
 * says why (431 for a head past Node's header limit, 408 for one too slow, 400 for anything else),
 * then the connection closes, as node:http's own handler answers. Nothing is written on a socket
 * already closing, or while a response is under way on it (a follow of the logs): its bytes would
 * land inside that response's body. A connection reset is only closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // node:http's own handler checks `_headerSent` (the head written); `headersSent` is true from
  // the head being made, so a response begun and not yet flushed gets no bytes of this either.
  const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && response?.headersSent !== true) {
    socket.write(`HTTP/1.1 ${statusFor(error.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}
