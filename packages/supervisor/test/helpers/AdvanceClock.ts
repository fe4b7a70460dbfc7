import type fc from 'fast-check';
import type { SimulatedClock } from '../../src/index.ts';

/**
 * A model-based test's step of time: the real supervisor's simulated clock and the reference
 * model move by `ms` together, then `verify` compares them.
 */
export class AdvanceClock<M extends { readonly done: boolean; advance(ms: number): void }, R extends { readonly clock: SimulatedClock }> implements fc.Command<M, R> {
  readonly ms: number;
  readonly #verify: (m: M, r: R) => void;

  constructor(ms: number, verify: (m: M, r: R) => void) {
    this.ms = ms;
    this.#verify = verify;
  }

  check = (m: Readonly<M>) => !m.done;

  run(m: M, r: R): void {
    r.clock.advance(this.ms);
    m.advance(this.ms);
    this.#verify(m, r);
  }

  toString = () => `advance(${this.ms})`;
}
