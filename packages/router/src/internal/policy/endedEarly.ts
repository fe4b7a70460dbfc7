/** nginx's "client closed request": the status a request is counted with when its client left before any of the response reached it. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The status of a response Portico cut before any of it reached the client (an invariant broke):
 * no status was sent, and it counts as a 5xx. A head dropped with the backend read that carried a
 * fault is answered 502 instead (`UpstreamExchange.abortClient`).
 */
export const CUT_BEFORE_RESPONSE = 0;

/**
 * The status an exchange that ends before its response is complete is counted with, for every
 * engine, as nginx's access log has it (`$status` is what was sent): the status of the head the
 * client got (`statusSent`), and the exchange then counts as incomplete as well
 * (`ExchangeOutcome.incomplete`), whether the backend failed or broke its framing mid-body, a
 * deadline cut it or the client left; while no head had reached the client, `unsent`: 499 for a
 * client that left (`CLIENT_CLOSED_REQUEST`, with `clientClosed`), the status of the refusal it is
 * answered (400, 408), or `CUT_BEFORE_RESPONSE`. Before, a response cut after its head was counted
 * with 0, a 5xx, though the client had, say, a 200.
 */
export function endedEarlyStatus(statusSent: number | undefined, unsent: number): number {
  return statusSent ?? unsent;
}
