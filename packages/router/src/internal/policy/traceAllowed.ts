/**
 * Whether a request with `method` may reach a backend of an app with `allowTrace`: TRACE (and
 * TRACK, which the framer refuses outright) makes many backends echo the request, Portico's
 * pairing token and identity headers included, so it is refused with 405 unless the app allows
 * it (nginx refuses TRACE too).
 */
export function traceAllowed(method: string, allowTrace: boolean): boolean {
  return allowTrace || (method !== 'TRACE' && method !== 'TRACK');
}
