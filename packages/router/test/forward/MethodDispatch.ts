// A forward dispatch shaped as the router's ForwardDecision: its state in private fields, its
// callbacks methods that need their `this`. An engine that detaches one (calls it as a plain
// function, or on another object) throws reading a private field.
import type { DispatchAnswer, ExchangeOutcome, HeaderPair, RetryChoice, Upstream } from '@portico/router';

export class MethodDispatch {
  readonly kind = 'forward';
  readonly upstream: Upstream;
  /** Milliseconds to the response head before 504 (the forwarder's own when undefined). */
  readonly requestTimeout?: number;
  /** Settles with the outcome `release` was given. */
  readonly released: Promise<ExchangeOutcome>;
  readonly #next: Upstream;
  readonly #added: HeaderPair;
  readonly #asked: string[] = [];
  #settle: (outcome: ExchangeOutcome) => void = () => {};

  /** Sends to `first`; a retry goes to `next`; every request gains the header `added`. */
  constructor(first: Upstream, next: Upstream, added: HeaderPair, requestTimeout?: number) {
    this.upstream = first;
    if (requestTimeout !== undefined) this.requestTimeout = requestTimeout;
    this.#next = next;
    this.#added = added;
    this.released = new Promise((resolve) => (this.#settle = resolve));
  }

  /** The callbacks called so far, in order. */
  get asked(): readonly string[] {
    return this.#asked;
  }

  transformHeaders(headers: HeaderPair[]): HeaderPair[] {
    this.#asked.push('transformHeaders');
    return [...headers, this.#added];
  }

  hasAnswered(upstream: Upstream): boolean {
    this.#asked.push('hasAnswered');
    return upstream !== this.upstream;
  }

  retry(): RetryChoice {
    this.#asked.push('retry');
    return this.#next;
  }

  /** Portico's own page instead of a bare status, naming the status and the header this dispatch adds. */
  failureAnswer(status: number): DispatchAnswer {
    this.#asked.push('failureAnswer');
    return { kind: 'respond', status, body: `${this.#added[1]} ${status}` };
  }

  release(outcome: ExchangeOutcome): void {
    this.#asked.push('release');
    this.#settle(outcome);
  }
}
