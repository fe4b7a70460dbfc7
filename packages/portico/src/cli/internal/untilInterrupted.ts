import type { CliIo } from '../CliIo.ts';

/**
 * Resolves when the user interrupts a command that runs until then: the `interrupt` signal of
 * `io`, or else SIGINT or SIGTERM, whose listeners are installed only for as long as `dispose` is
 * not called (other commands keep Node's default, which ends the process).
 */
export function untilInterrupted(io: CliIo): { readonly interrupted: Promise<void>; readonly dispose: () => void } {
  if (io.interrupt) {
    const signal = io.interrupt;
    let listener: (() => void) | undefined;
    const interrupted = signal.aborted ? Promise.resolve() : new Promise<void>((resolve) => signal.addEventListener('abort', (listener = () => resolve()), { once: true }));
    return { interrupted, dispose: () => listener && signal.removeEventListener('abort', listener) };
  }
  let finish: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => (finish = () => resolve()));
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  return {
    interrupted,
    dispose: () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
    },
  };
}
