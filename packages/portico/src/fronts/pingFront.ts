import type { Clock } from '@portico/supervisor';

export interface PingOptions {
  readonly clock: Clock;
  /** Milliseconds between two pings, read at each (a reload may change `frontPing`). */
  readonly interval: () => number;
  /**
   * Milliseconds the front may go without answering before it is taken as hung. Its first answer
   * waits for its start (Node loading its code: seconds on a loaded machine), so it may take
   * `firstAnswerTime`.
   */
  readonly responseTime: () => number;
  readonly ping: (id: number) => void;
  /** The front answered nothing for `silentMs`: it is to be killed and replaced. Called once. */
  readonly unresponsive: (silentMs: number) => void;
}

/** Milliseconds a front has for its first answer, from its start: 30 s, or three response times if more. */
export const firstAnswerTime = 30_000;

/** A front's ping, from its start until `stop()`. */
export interface FrontPing {
  /** The front answered a ping. */
  answered(): void;
  stop(): void;
}

/**
 * The control process's ping of one front (`frontPing`; IIS pings its worker processes the same
 * way, `processModel@pingInterval` and `pingResponseTime`): a front whose event loop is blocked
 * (an endless loop, a blocking call, a stopped process) is alive to its supervisor yet serves
 * nobody, and the connections it accepted hang; only a message it must answer can tell.
 *
 * Silence is measured from the first ping the front has not answered, not from its last answer:
 * a control process held up (a long synchronous task, a GC pause, a debugger) sends no ping
 * meanwhile, and the time since the last answer would then be its own silence, not the front's
 * (held up for longer than responseTime, it killed every healthy front). The verdict is taken one
 * turn of the control's event loop after the timer, so that answers already in its channel, if
 * the control itself was held up with a ping out, are read first.
 */
export function pingFront(options: PingOptions): FrontPing {
  const { clock } = options;
  /** When the first ping not answered yet was sent; undefined while every ping sent is answered. */
  let waitingSince: number | undefined;
  let answered = false;
  let sent = 0;
  let timer: unknown;
  let stopped = false;
  const ping = () => {
    waitingSince ??= clock.now();
    options.ping(++sent);
  };
  const verdict = () => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      const silent = waitingSince === undefined ? 0 : clock.now() - waitingSince;
      if (silent <= (answered ? options.responseTime() : Math.max(firstAnswerTime, 3 * options.responseTime()))) {
        ping();
        return schedule();
      }
      stopped = true;
      options.unresponsive(silent);
    }, 0);
  };
  const schedule = () => {
    timer = clock.setTimeout(verdict, options.interval());
  };
  ping();
  schedule();
  return {
    // Any answer: the front's loop turned after every ping sent before the one it answers.
    answered() {
      waitingSince = undefined;
      answered = true;
    },
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
