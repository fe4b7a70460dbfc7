import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const loadThreadFile = fileURLToPath(new URL('../fixtures/load-thread.mjs', import.meta.url));

/** Load that goes on while this thread is held up: a worker thread of back-to-back GETs (fixtures/load-thread.mjs). */
export interface LoadThread {
  /** Sends, from now on (the thread reads it even while this one is held up). */
  run(): void;
  /** Sends no new request; those in flight finish. */
  pause(): void;
  /** Requests over so far, answered or failed. */
  answered(): number;
  /** Requests that failed without a whole response. */
  failed(): number;
  /** Requests in flight now. */
  inFlight(): number;
  /** Stops the thread once its requests in flight are over. */
  stop(): Promise<void>;
}

/** Starts the thread paused, with `connections` keep-alive connections to `path`. */
export function startLoadThread(port: number, path: string, connections: number): LoadThread {
  const state = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(loadThreadFile, { workerData: { port, path, connections, shared: state.buffer } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    run: () => Atomics.store(state, 0, 1),
    pause: () => Atomics.store(state, 0, 0),
    answered: () => Atomics.load(state, 1),
    inFlight: () => Atomics.load(state, 2),
    failed: () => Atomics.load(state, 3),
    stop: async () => {
      Atomics.store(state, 0, 2);
      await exited;
    },
  };
}

/**
 * Holds this thread's event loop (Portico's control process, in a test that runs it in-process),
 * as a long synchronous task, a GC pause or a debugger would, until `done` holds; throws past
 * `limitMs`, so a test whose load never comes fails rather than spins for ever.
 */
export function holdUp(done: () => boolean, limitMs = 60_000): void {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > limitMs) throw new Error(`the held-up loop waited ${limitMs} ms for its condition`);
  }
}
