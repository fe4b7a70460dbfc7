/** Statuses a request head can be refused with; the caller answers and closes the connection. */
export type Http1ErrorStatus = 400 | 405 | 414 | 417 | 431 | 501 | 505;

/** A structured refusal: the parser never throws on input, it returns one of these. */
export interface Http1ParseError {
  readonly status: Http1ErrorStatus;
  readonly reason: string;
}
