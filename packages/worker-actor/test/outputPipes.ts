import { Writable, type Readable } from 'node:stream';
import type { Clock, SimulatedClock } from '@portico/supervisor';
import { createNodeProcessHost, type ProcessHandle } from '../src/index.ts';

/** How the process ended; when (the host's `at`) is held by lateExitReport and exitDating's cases. */
export type Exit = { code: number | null; signal: string | null };

/**
 * Starts `node -e script` through the real host, in its process group only (no cgroup reaches a
 * setsid child), its watch of the output pipes after the exit on `clock`.
 */
export function spawnNode(script: string, clock?: Clock): { handle: ProcessHandle; exit: Promise<Exit>; exited: () => boolean } {
  const host = createNodeProcessHost({ cgroups: false, ...(clock ? { clock } : {}) });
  let reported = false;
  let resolve!: (exit: Exit) => void;
  const exit = new Promise<Exit>((r) => (resolve = r));
  const handle = host.spawn(
    { command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: { PATH: process.env.PATH ?? '' }, notify: false },
    { onNotify: () => {}, onExit: (e) => ((reported = true), resolve({ code: e.code, signal: e.signal })) },
  );
  return { handle, exit, exited: () => reported };
}

/** A writable that stalls after its first write until `recover()`, as a file write behind a slow disk does. */
export function slowDisk(): { writable: Writable; recover: () => void; written: () => number } {
  let bytes = 0;
  let stalled: (() => void)[] | undefined = [];
  const writable = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (stalled === undefined) done();
      else stalled.push(done);
    },
  });
  const recover = () => {
    const waiting = stalled ?? [];
    stalled = undefined;
    for (const done of waiting) done();
  };
  return { writable, recover, written: () => bytes };
}

export function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.once('close', () => resolve(Buffer.concat(chunks))));
}

export const firstLine = (stream: Readable) =>
  new Promise<string>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n')) return;
      stream.off('data', onData);
      stream.pause();
      resolve(text.slice(0, text.indexOf('\n')));
    };
    stream.on('data', onData);
  });

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}


/** Resolves once the host watches the pipes of the process that exited: its check is set on `clock`. */
export async function watchingPipes(clock: SimulatedClock): Promise<void> {
  while (clock.pendingTimers === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * Moves `clock` on by `ms`, one host check (250 ms) at a time, awaiting `between` before each
 * (by default one turn of the event loop, for what the pipes have read meanwhile) and stopping
 * early once `done()`.
 */
export async function checkPipesFor(clock: SimulatedClock, ms: number, options: { between?: () => Promise<void>; done?: () => boolean } = {}): Promise<void> {
  const between = options.between ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  for (const end = clock.now() + ms; clock.now() < end && !options.done?.(); ) {
    await between();
    clock.advance(Math.min(250, end - clock.now()));
  }
}
