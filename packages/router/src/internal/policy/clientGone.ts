/** nginx's "client closed request": the status a request is counted with when its client left before any of the response reached it. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The status an exchange is counted with when its client leaves before the response is complete
 * (a FIN or reset, an HTTP/2 stream reset), for every engine, as nginx logs it: 499 while nothing
 * of the response reached the client, the response's own status once its head did. Never 0: that
 * is a response Portico cut, counted as a 5xx, and a client leaving is no server error.
 */
export function clientGoneStatus(statusSent: number | undefined): number {
  return statusSent ?? CLIENT_CLOSED_REQUEST;
}
