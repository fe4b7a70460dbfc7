import { prettyFactory } from 'pino-pretty';

interface Target {
  write(text: string): unknown;
  flush?(cb: (err?: Error | null) => void): void;
  flushSync?(): void;
}

/**
 * pino-pretty's formatter run synchronously on the logging thread. Its transport form runs in a
 * worker thread or behind a stream pipeline, and lines still in flight there are lost when the
 * process exits; formatting inline means a line is handed to the target before `logger.x()` returns.
 */
export class PrettyDestination {
  readonly #format: (line: string) => string;
  readonly #target: Target;

  constructor(target: Target, colorize: boolean) {
    this.#target = target;
    this.#format = prettyFactory({
      colorize,
      translateTime: 'SYS:standard',
      ignore: 'pid,hostname,event,eventId',
      messageFormat: '{if event}[{event} {eventId}] {end}{msg}',
    });
  }

  write(line: string): void {
    this.#target.write(this.#format(line));
  }

  flush(cb: (err?: Error | null) => void): void {
    if (this.#target.flush) this.#target.flush(cb);
    else process.nextTick(cb);
  }

  flushSync(): void {
    this.#target.flushSync?.();
  }
}
