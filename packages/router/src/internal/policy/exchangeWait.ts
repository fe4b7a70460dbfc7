/** Where one exchange (an HTTP/1.1 request, or one stream of a multiplexed connection) stands. */
export interface ExchangeProgress {
  /** Over, or not yet given a backend (the router's start-up limit covers that wait). */
  readonly settled: boolean;
  /** The client's side is full and the backend paused for it, or the backend is done and the client still takes the rest. */
  readonly clientBehind: boolean;
  /** The final response head has come back. */
  readonly responseStarted: boolean;
  /** The client's request body has ended (or there was none). */
  readonly requestBodyEnded: boolean;
  /** The backend holds the request body back: not connected yet, or its side is full. */
  readonly backendHoldsBody: boolean;
  /** The client asked for 100 Continue and has none yet, so rightly sends no body. */
  readonly awaitingContinue: boolean;
}

/**
 * Which timeout an exchange is on (docs/proxy.md, Limits and timeouts): `client` is
 * `sendTimeout`, timed from when the client fell behind (a hold, which further progress does not
 * push later); `backend` is `requestTimeout`, which every sign of progress starts over; `none`
 * while the client's request body is awaited, which the connection's `bodyIdleTimeout` (or the
 * embedding host's server) watches.
 */
export type ExchangeWait = 'none' | 'client' | 'backend';

/** The one deadline rule both engines run after every change of an exchange's progress. */
export function exchangeWait(progress: ExchangeProgress): ExchangeWait {
  if (progress.settled) return 'none';
  // Body bytes the client sends meanwhile are no sign it reads.
  if (progress.clientBehind) return 'client';
  const clientBodyAwaited = !progress.responseStarted && !progress.requestBodyEnded && !progress.backendHoldsBody && !progress.awaitingContinue;
  return clientBodyAwaited ? 'none' : 'backend';
}
