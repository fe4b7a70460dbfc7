import { write } from 'node:fs';
import { ReadinessSignalError } from './errors.ts';
import { readPorticoEnvironment, type Environment } from './readPorticoEnvironment.ts';

/** Which channels carried the readiness signal. */
export interface ReadinessSignals {
  /** `process.send('ready')` went to the parent over the IPC channel (PM2's `wait_ready`). */
  readonly ipc: boolean;
  /** The fd that received `READY=1\n` (`PORTICO_NOTIFY_FD`), if any. */
  readonly notifyFd: number | undefined;
}

export interface SignalReadyOptions {
  /** The environment that holds `PORTICO_NOTIFY_FD`; `process.env` by default. */
  readonly env?: Environment;
}

let signalled: Promise<ReadinessSignals> | undefined;

/**
 * Tells the supervisor this process is ready for requests: `process.send('ready')` when there is
 * an IPC channel, and `READY=1\n` on `PORTICO_NOTIFY_FD` when it is set. `listen` calls it once
 * the server listens; call it yourself after `listen(server, { signalReady: false })` when the
 * app has more to do before it can serve (a cache to warm, a second server). Once per process:
 * later calls return the first call's promise.
 *
 * @example
 * await listen(server, { signalReady: false });
 * await warmCache();
 * await signalReady();
 */
export function signalReady(options: SignalReadyOptions = {}): Promise<ReadinessSignals> {
  signalled ??= send(options).catch((error: unknown) => {
    signalled = undefined;
    throw error;
  });
  return signalled;
}

async function send(options: SignalReadyOptions): Promise<ReadinessSignals> {
  const { notifyFd } = readPorticoEnvironment(options.env ? { env: options.env } : {});
  const [ipc] = await Promise.all([sendOverIpc(), notifyFd === undefined ? undefined : writeReady(notifyFd)]);
  return { ipc, notifyFd };
}

function sendOverIpc(): Promise<boolean> {
  if (typeof process.send !== 'function' || !process.connected) return Promise.resolve(false);
  const send = process.send.bind(process);
  // A closed channel means the parent is gone; nobody is left to wait for the signal.
  return new Promise((resolve) => {
    send('ready', (error: Error | null) => resolve(error === null));
  });
}

const readyLine = Buffer.from('READY=1\n');

async function writeReady(fd: number): Promise<void> {
  let offset = 0;
  for (let attempt = 0; offset < readyLine.length; attempt += 1) {
    try {
      offset += await writeOnce(fd, readyLine.subarray(offset));
    } catch (error) {
      // The pipe may be non-blocking and momentarily full.
      const retry = (error as NodeJS.ErrnoException).code === 'EAGAIN' && attempt < 100;
      if (!retry) throw new ReadinessSignalError(`PORTICO_NOTIFY_FD=${fd}`, error as Error);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function writeOnce(fd: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, bytes, (error, written) => (error ? reject(error) : resolve(written)));
  });
}
