import type fc from 'fast-check';
import type { SimulatedSystem } from './SimulatedSystem.ts';

/** Moves simulated time forward. */
export class AdvanceCommand<M extends object = object, R extends SimulatedSystem = SimulatedSystem> implements fc.AsyncCommand<M, R> {
  readonly ms: number;
  readonly #onModel: ((model: M, ms: number) => void) | undefined;
  constructor(ms: number, onModel?: (model: M, ms: number) => void) {
    this.ms = ms;
    this.#onModel = onModel;
  }
  check(): boolean {
    return true;
  }
  async run(model: M, real: R): Promise<void> {
    await real.sim.advance(this.ms);
    this.#onModel?.(model, this.ms);
  }
  toString(): string {
    return `advance ${this.ms}ms`;
  }
}
