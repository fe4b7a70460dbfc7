/** nginx's "client closed request": the status a request is counted with when its client left before any of the response reached it. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The status of a response Portico cut before any of it reached the client (an invariant broke):
 * no status was sent, and it counts as a 5xx. A head dropped with the backend read that carried a
 * fault is answered 502 instead (`UpstreamExchange.abortClient`).
 */
export const CUT_BEFORE_RESPONSE = 0;

/** How an exchange that ended before its response was complete is counted (`ExchangeOutcome`). */
export interface EndedEarly {
  readonly status: number;
  /** The client left before any of the response reached it: counted as nginx's 499. */
  readonly clientClosed: boolean;
  /** A head reached the client, and the rest of the response did not. */
  readonly incomplete: boolean;
}

/**
 * How an exchange that ends before its response is complete is counted, for every engine, as
 * nginx's access log has it (`$status` is what was sent): with the status of the head the client
 * got (`statusSent`), and as incomplete (`ExchangeOutcome.incomplete`), whether the backend failed
 * or broke its framing mid-body, a deadline cut it or the client left; while no head had reached
 * the client, with `unsent`: 499 for a client that left (`CLIENT_CLOSED_REQUEST`, and then
 * `clientClosed`), the status of the refusal it is answered (400, 408), or `CUT_BEFORE_RESPONSE`.
 * Before, a response cut after its head was counted with 0, a 5xx, though the client had, say, a
 * 200. The one place every exchange (embedded, upgrade, socket) takes this rule from.
 */
export function endedEarly(statusSent: number | undefined, unsent: number): EndedEarly {
  if (statusSent !== undefined) return { status: statusSent, clientClosed: false, incomplete: true };
  return { status: unsent, clientClosed: unsent === CLIENT_CLOSED_REQUEST, incomplete: false };
}
