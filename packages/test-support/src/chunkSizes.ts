/**
 * The data sizes of a chunked body's chunks, in order, up to its last chunk: how a proxy cut a
 * body it relayed. A parser that trusts its input (no extensions, no trailers): the framer under
 * test is Portico's, not this.
 */
export function chunkSizes(body: string): number[] {
  const sizes: number[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (size === 0) return sizes;
    sizes.push(size);
    at = lineEnd + 2 + size + 2;
  }
}
