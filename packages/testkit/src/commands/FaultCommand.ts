import type fc from 'fast-check';
import { formatFault, type Fault } from '../Fault.ts';
import type { FaultAction, SimulatedSystem } from './SimulatedSystem.ts';

/** Injects one fault now, through the system's `inject`. */
export class FaultCommand<M extends object = object, R extends SimulatedSystem = SimulatedSystem> implements fc.AsyncCommand<M, R> {
  readonly fault: FaultAction;
  readonly #onModel: ((model: M, fault: FaultAction) => void) | undefined;
  constructor(fault: FaultAction, onModel?: (model: M, fault: FaultAction) => void) {
    this.fault = fault;
    this.#onModel = onModel;
  }
  check(): boolean {
    return true;
  }
  async run(model: M, real: R): Promise<void> {
    real.sim.note(`fault: ${this.toString()}`);
    real.inject(this.fault);
    this.#onModel?.(model, this.fault);
    await real.sim.flush();
  }
  toString(): string {
    return formatFault({ ...this.fault, at: 0 } as Fault).replace(/^t=\S+ /, '');
  }
}
