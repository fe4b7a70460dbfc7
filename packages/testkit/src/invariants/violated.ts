import { InvariantViolatedError } from '../errors.ts';

/** What every check accepts: the run's trace, printed (its last 60 lines) when the check fails. */
export interface CheckOptions {
  readonly trace?: readonly string[];
}

/** Throws `InvariantViolatedError` for `invariant`, with the end of the run's trace. */
export function violated(invariant: string, detail: string, options: CheckOptions): never {
  const trace = options.trace ?? [];
  const shown = trace.slice(-60);
  const tail = trace.length === 0 ? '' : `\ntrace${trace.length > shown.length ? ` (last ${shown.length} of ${trace.length} lines)` : ''}:\n  ${shown.join('\n  ')}`;
  throw new InvariantViolatedError(invariant, `${detail}${tail}`);
}
