import { availableParallelism } from 'node:os';

/** `fronts` as a number of processes: `auto` is one per CPU this process may run on. */
export function countFronts(fronts: number | 'auto'): number {
  return fronts === 'auto' ? Math.max(1, availableParallelism()) : fronts;
}
