import type { ServerHttp2Stream } from 'node:http2';

/**
 * Resets `stream` with RST_STREAM INTERNAL_ERROR (node:http2's code for a stream destroyed with an
 * error), so a response cut short never looks complete. Not `close(INTERNAL_ERROR)`: on a stream
 * whose response is still open, node:http2 (Node 20 to 26) ends it first, an empty DATA frame with
 * END_STREAM, and the reset then comes for a closed stream, which the client ignores: it read a
 * body without a length, cut, as the whole body. `destroy` resets at once; the error it emits
 * goes to the stream's 'error' listener (`Http2Front`).
 */
export function cutStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed) stream.destroy(new Error('response cut'));
}
