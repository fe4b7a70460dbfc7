import { fileURLToPath } from 'node:url';
import type { PacedLoadRun } from './drivePacedLoad.ts';
import { runRole } from './roleProcess.ts';

const DRIVER = fileURLToPath(new URL('./pacedLoadDriver.ts', import.meta.url));

export interface PacedLoadProcessOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly connections?: number;
  /** Runs the generator on this CPU only (taskset), away from the proxy under test. */
  readonly cpu?: number;
}

/**
 * Offers 127.0.0.1:`port` `rate` requests a second for `seconds` from a generator process of its
 * own (pacedLoadDriver.ts, drivePacedLoad.ts) and returns what it measured.
 */
export async function runPacedLoad(port: number, options: PacedLoadProcessOptions): Promise<PacedLoadRun> {
  const args = [String(port), String(options.rate), String(options.seconds), String(options.connections ?? 50), ...(options.cpu === undefined ? [] : [String(options.cpu)])];
  return JSON.parse(await runRole(DRIVER, args)) as PacedLoadRun;
}
