import type { WorkerLoad } from './workerMachine.ts';

/**
 * The most requests `load` had in flight at once since the last call, or now if more; the next
 * period starts from what is in flight now. An elastic pool reads it at each look, a front at
 * each report, so a burst between two readings is seen and a quiet moment is not taken for idleness.
 */
export function takePeak(load: WorkerLoad): number {
  const most = Math.max(load.peak ?? 0, load.inFlight);
  load.peak = load.inFlight;
  return most;
}
