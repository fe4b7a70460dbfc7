/**
 * Whether a backend connection may carry another request after a complete response to `method`
 * with `status`, as far as the response's kind goes (its framing and `Connection` are checked
 * apart). Not after one with no body by rule (RFC 9112 §6.3: HEAD, 204, 304): that is where buggy
 * backends send a body anyway, and bytes that arrive after the next request was written would be
 * read as its response, another client's `Set-Cookie` with it (docs/proxy.md, Stray bytes from a
 * backend).
 */
export function reusesAfterResponse(method: string, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304;
}
