// The benchmark's side of gcMeter.ts: start and stop the meter in a set of processes, and sum what
// they saw into figures per second of load and per request.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The `--import` that puts the meter in a process (and in the front processes it starts). */
export const GC_METER_FLAGS = ['--import', fileURLToPath(new URL('./gcMeter.ts', import.meta.url))];

/** What one process's meter saw between its start and its stop. */
export interface GcReading {
  readonly seconds: number;
  /** Bytes allocated on V8's heap. */
  readonly allocated: number;
  /** Each young-generation collection's pause, in milliseconds. */
  readonly minor: readonly number[];
  /** Each other collection's (mark-compact, incremental steps, weak callbacks), in milliseconds. */
  readonly major: readonly number[];
  /** Resident memory at the stop, in bytes. */
  readonly rss: number;
}

export interface GcFigures {
  /** Young-generation collections per second, over all the processes. */
  readonly minorPerSecond: number;
  /** Milliseconds the processes' threads stood in a collection, per second (any kind). */
  readonly pauseMsPerSecond: number;
  /** The longest single pause, in milliseconds, and the mean of the young-generation ones. */
  readonly maxPauseMs: number;
  readonly meanMinorMs: number;
  /** Bytes allocated per request, over all the processes. */
  readonly bytesPerRequest: number;
  /**
   * Bytes allocated per young collection, over all the processes: the young generation's size in
   * effect, which V8 shrinks after a quiet spell (docs/proxy.md, Fronts). 0 without one; with a
   * few in a run it overstates, by what was allocated after the last.
   */
  readonly bytesPerMinor: number;
  /** Resident memory of the largest process, in bytes. */
  readonly rss: number;
}

export function gcMeterFile(pid: number): string {
  return join(tmpdir(), `portico-bench-gc-${pid}.json`);
}

/** Starts the meters of `pids` (processes started with GC_METER_FLAGS). */
export function startGcMeters(pids: readonly number[]): void {
  for (const pid of pids) {
    rmSync(gcMeterFile(pid), { force: true });
    process.kill(pid, 'SIGUSR2');
  }
}

/** Stops them and sums what they saw over `requests` requests. */
export async function stopGcMeters(pids: readonly number[], requests: number): Promise<GcFigures> {
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  const readings: GcReading[] = [];
  for (const pid of pids) {
    const file = gcMeterFile(pid);
    while (!existsSync(file)) await sleep(10);
    readings.push(JSON.parse(readFileSync(file, 'utf8')) as GcReading);
    rmSync(file, { force: true });
  }
  return gcFigures(readings, requests);
}

/** What the processes' meters saw, summed over `requests` requests. */
export function gcFigures(readings: readonly GcReading[], requests: number): GcFigures {
  const seconds = Math.max(...readings.map((r) => r.seconds));
  const minor = readings.flatMap((r) => r.minor);
  const all = [...minor, ...readings.flatMap((r) => r.major)];
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  return {
    minorPerSecond: minor.length / seconds,
    pauseMsPerSecond: sum(all) / seconds,
    maxPauseMs: Math.max(0, ...all),
    meanMinorMs: minor.length === 0 ? 0 : sum(minor) / minor.length,
    bytesPerRequest: sum(readings.map((r) => r.allocated)) / requests,
    bytesPerMinor: minor.length === 0 ? 0 : sum(readings.map((r) => r.allocated)) / minor.length,
    rss: Math.max(...readings.map((r) => r.rss)),
  };
}
