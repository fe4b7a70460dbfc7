// wrk, run and read in one place for every benchmark that drives HTTP/1.1 with it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** wrk's pacing for equal-load phases: 2 ms between a response and the next request on each connection. */
export const PACED = fileURLToPath(new URL('../fixtures/paced.lua', import.meta.url));

export interface WrkOptions {
  readonly seconds: number;
  /** Connections, all kept open for the run (default 50). */
  readonly connections?: number;
  /** Each connection waits 2 ms after every answer (PACED): latency under the same load for every target. */
  readonly paced?: boolean;
  /** Runs wrk on this CPU only (taskset), away from the proxy under test. */
  readonly cpu?: number;
  readonly path?: string;
}

export interface WrkRun {
  readonly rps: number;
  readonly requests: number;
  /** Latency percentiles, each in milliseconds. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Non-2xx answers and socket errors, as wrk counts them. */
  readonly errors: number;
  /** wrk's whole output. */
  readonly out: string;
}

/** wrk's latency (`743.00us`, `1.53ms`, `1.02s`, `1.00m`) in milliseconds. */
export function latencyMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text ?? '');
  if (m === null) throw new Error(`unreadable wrk latency: ${text}`);
  const unitMs = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
}

/** What wrk printed, as figures. */
export function readWrk(out: string): WrkRun {
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
    p50: latencyMs(/\s50%\s+(\S+)/.exec(out)?.[1]),
    p90: latencyMs(/\s90%\s+(\S+)/.exec(out)?.[1]),
    p99: latencyMs(/\s99%\s+(\S+)/.exec(out)?.[1]),
    errors,
    out,
  };
}

/** Runs `wrk -t1 --latency` against 127.0.0.1:`port`; prints wrk's output when it saw errors. */
export function runWrk(port: number, options: WrkOptions): WrkRun {
  const args = ['-t1', `-c${options.connections ?? 50}`, `-d${options.seconds}s`, '--latency', ...(options.paced ? ['-s', PACED] : []), `http://127.0.0.1:${port}${options.path ?? '/'}`];
  const [command, commandArgs] = options.cpu === undefined ? ['wrk', args] : ['taskset', ['-c', String(options.cpu), 'wrk', ...args]];
  const run = readWrk(execFileSync(command, commandArgs, { encoding: 'utf8' }));
  if (run.errors > 0) process.stdout.write(run.out);
  return run;
}

/** The median of `values` (the upper middle for an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
