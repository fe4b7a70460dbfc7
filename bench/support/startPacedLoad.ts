import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { PacedLoadRun } from './drivePacedLoad.ts';

const DRIVER = fileURLToPath(new URL('./pacedLoadDriver.ts', import.meta.url));

export interface PacedLoadProcessOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly connections?: number;
  /** Runs the generator on this CPU only (taskset), away from the proxy under test. */
  readonly cpu?: number;
}

/** A generator process with its connections open, waiting to be told to run. */
export interface PacedLoadProcess {
  /** Runs the schedule and returns what the generator measured; the process then exits. */
  run(): Promise<PacedLoadRun>;
}

/**
 * Starts a generator process of its own (pacedLoadDriver.ts, drivePacedLoad.ts) that will offer
 * 127.0.0.1:`port` `rate` requests a second for `seconds`, and waits until its connections are
 * open: its start stays out of whatever the caller measures around `run()`.
 */
export async function startPacedLoad(port: number, options: PacedLoadProcessOptions): Promise<PacedLoadProcess> {
  const args = [String(port), String(options.rate), String(options.seconds), String(options.connections ?? 50), ...(options.cpu === undefined ? [] : [String(options.cpu)])];
  const child = spawn(process.execPath, [...process.execArgv, DRIVER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const exited = once(child, 'close') as Promise<[number | null, string | null]>;
  const lines = new Promise<void>((resolve) => child.stdout.on('data', (text: string) => {
    out += text;
    if (out.includes('\n')) resolve();
  }));
  await Promise.race([lines, exited]);
  if (!out.startsWith('ready\n')) {
    const [code, signal] = await exited;
    throw new Error(`the paced load generator exited before it was ready (${signal ?? `exit code ${code}`}): ${out.trim()}`);
  }
  return {
    async run() {
      child.stdin.end('go\n');
      const [code, signal] = await exited;
      const result = out.slice('ready\n'.length).trim();
      if (code !== 0) throw new Error(`the paced load generator failed (${signal ?? `exit code ${code}`}): ${result}`);
      return JSON.parse(result) as PacedLoadRun;
    },
  };
}
