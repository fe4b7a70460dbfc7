import type { Backoff } from './Backoff.ts';
import type { ChildSpec } from './ChildSpec.ts';
import { InvalidSupervisorOptionError } from './errors.ts';

/** OTP strategies: which children restart when one of them has to. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** OTP 24 auto-shutdown: whether significant children's own exits end the supervisor. */
export type AutoShutdown = 'never' | 'any_significant' | 'all_significant';

/** What `createSupervisor` takes. Durations are in seconds, like Portico's config file. */
export interface SupervisorOptions {
  /** Default `one_for_one`. */
  readonly strategy?: Strategy;
  /** Restarts allowed within `period` before the supervisor gives up. Default 1 (OTP). */
  readonly intensity?: number;
  /** The sliding window for `intensity`, in seconds. Default 5 (OTP). */
  readonly period?: number;
  /** Delay between restarts. Default none: restart at once, as OTP. */
  readonly backoff?: Backoff;
  /** Default `never`. */
  readonly autoShutdown?: AutoShutdown;
  /** Started in this order, stopped in reverse. */
  readonly children?: readonly ChildSpec[];
  /** Source of jitter, a number in [0, 1). Default `Math.random`; inject one for reproducible runs. */
  readonly random?: () => number;
}

const strategies: readonly Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const autoShutdowns: readonly AutoShutdown[] = ['never', 'any_significant', 'all_significant'];
const restartTypes = ['permanent', 'transient', 'temporary'];

function check(ok: boolean, path: string, problem: string): void {
  if (!ok) throw new InvalidSupervisorOptionError(path, problem);
}

/** A wrong number as written: a string quoted ("60" from a config or the environment), NaN and Infinity by name. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

export function validateBackoff(backoff: Backoff | undefined, path: string): void {
  if (backoff === undefined) return;
  check(isDuration(backoff.min), `${path}.min`, `must be seconds ≥ 0, got ${shown(backoff.min)}`);
  check(isDuration(backoff.max) && backoff.max >= backoff.min, `${path}.max`, `must be seconds ≥ min (${backoff.min}), got ${shown(backoff.max)}`);
  const { factor, jitter, resetAfter } = backoff;
  check(factor === undefined || (Number.isFinite(factor) && factor >= 1), `${path}.factor`, `must be a number ≥ 1, got ${shown(factor)}`);
  check(jitter === undefined || (isDuration(jitter) && jitter <= 1), `${path}.jitter`, `must be a fraction from 0 to 1, got ${shown(jitter)}`);
  check(resetAfter === undefined || isDuration(resetAfter), `${path}.resetAfter`, `must be seconds ≥ 0, got ${shown(resetAfter)}`);
}

/**
 * Throws `InvalidSupervisorOptionError` naming the first option that is wrong, and what to use.
 * `autoShutdown` is the supervisor's, against which `significant` is checked (default `never`).
 */
export function validateChildSpec(spec: ChildSpec, path: string, autoShutdown: AutoShutdown = 'never'): void {
  check(typeof spec === 'object' && spec !== null, path, 'must be a child spec object');
  check(!Array.isArray(spec), path, 'must be a child spec object, not an array');
  check(typeof spec.id === 'string' && spec.id.length > 0, `${path}.id`, `must be a non-empty string, got ${JSON.stringify(spec.id)}`);
  check(typeof spec.logic?.transition === 'function', `${path}.logic`, 'must be xstate actor logic (createMachine, fromPromise, createSupervisor …)');
  check(spec.restart === undefined || restartTypes.includes(spec.restart), `${path}.restart`, `must be one of ${restartTypes.join(', ')}, got ${JSON.stringify(spec.restart)}`);
  check(spec.kind === undefined || spec.kind === 'worker' || spec.kind === 'supervisor', `${path}.kind`, `must be "worker" or "supervisor", got ${JSON.stringify(spec.kind)}`);
  const { shutdown } = spec;
  check(shutdown === undefined || shutdown === 'brutal_kill' || shutdown === 'infinity' || isDuration(shutdown), `${path}.shutdown`, `must be seconds ≥ 0, "brutal_kill" or "infinity", got ${JSON.stringify(shutdown)}`);
  const { significant } = spec;
  check(significant === undefined || typeof significant === 'boolean', `${path}.significant`, `must be true or false, got ${JSON.stringify(significant)}`);
  check(!significant || spec.restart === 'transient' || spec.restart === 'temporary', `${path}.significant`, 'is only allowed on transient or temporary children (a permanent child is always restarted)');
  // OTP refuses the pair as bad_combination: a significant child could never end anything.
  check(!significant || autoShutdown !== 'never', `${path}.significant`, 'cannot be true while autoShutdown is "never"; set autoShutdown to "any_significant" or "all_significant", or drop significant');
  check(spec.ready === undefined || typeof spec.ready === 'function', `${path}.ready`, 'must be a function of the child snapshot');
  validateBackoff(spec.backoff, `${path}.backoff`);
}

export function validateSupervisorOptions(options: SupervisorOptions): void {
  check(typeof options === 'object' && options !== null, 'options', 'must be an object');
  check(!Array.isArray(options), 'options', 'must be an object, not an array (the children go in its "children" option)');
  const { strategy, intensity, period, autoShutdown, children = [], random } = options;
  check(strategy === undefined || strategies.includes(strategy), 'strategy', `must be one of ${strategies.join(', ')}, got ${JSON.stringify(strategy)}`);
  check(intensity === undefined || (Number.isInteger(intensity) && intensity >= 0), 'intensity', `must be a whole number ≥ 0, got ${shown(intensity)}`);
  check(period === undefined || (isDuration(period) && period > 0), 'period', `must be seconds > 0, got ${shown(period)}`);
  check(autoShutdown === undefined || autoShutdowns.includes(autoShutdown), 'autoShutdown', `must be one of ${autoShutdowns.join(', ')}, got ${JSON.stringify(autoShutdown)}`);
  check(random === undefined || typeof random === 'function', 'random', 'must be a function returning a number in [0, 1)');
  validateBackoff(options.backoff, 'backoff');
  check(Array.isArray(children), 'children', 'must be an array of child specs');
  const seen = new Set<string>();
  children.forEach((spec, index) => {
    validateChildSpec(spec, `children[${index}]`, autoShutdown);
    check(!seen.has(spec.id), `children[${index}].id`, `"${spec.id}" is used by an earlier child; ids must be unique`);
    seen.add(spec.id);
  });
}
