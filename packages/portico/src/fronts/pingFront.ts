import type { Clock } from '@portico/supervisor';

export interface PingOptions {
  readonly clock: Clock;
  /** Milliseconds between two pings, read at each (a reload may change `frontPing`). */
  readonly interval: () => number;
  /**
   * Milliseconds the front may go without answering before it is taken as hung, once it listens.
   * Until then it is starting (Node loading its code, binding, building its routes: seconds on a
   * loaded machine) and may go `startingResponseTime` without answering.
   */
  readonly responseTime: () => number;
  /**
   * Milliseconds a starting front may go without answering, or three response times if more:
   * default `startingResponseTime`. Shorter only for a test that waits for it.
   */
  readonly startingResponseTime?: number;
  /** Sends ping `id`: 1, 2, 3, … in order. */
  readonly ping: (id: number) => void;
  /** The front answered nothing for `silentMs`: it is to be killed and replaced. Called once. */
  readonly unresponsive: (silentMs: number) => void;
  /**
   * The front answers but has not said it listens `startedMs` after its start, past the start
   * limit (its start hangs after its event loop is up): it is to be killed and replaced. Called
   * once, instead of `unresponsive`.
   */
  readonly notListening: (startedMs: number) => void;
}

/**
 * Pings out at once, at most: while this many are unanswered no more is sent. Each one out is kept
 * (when it was sent) and sits in the channel of a front that does not read it; at the extremes the
 * schema allows (a ping every 50 ms, three hours for a starting front) that was 216 000 of each per
 * hung front. The verdict is the same: silence runs from the first ping not answered, which is
 * kept. The defaults never reach it (16 out at most, over a starting front's 30 s).
 */
export const maxPingsOut = 64;

/**
 * Milliseconds a starting front (from its start until it says it listens) may go without
 * answering: 30 s, or three response times if more.
 */
export const startingResponseTime = 30_000;

/** A front's ping, from its start until `stop()`. */
export interface FrontPing {
  /**
   * The front answered ping `id` (its `pong`), and so every ping sent before it, which it read
   * first. An id never sent, or not past the last one answered, answers nothing and is ignored.
   */
  answered(id: number): void;
  /**
   * The front said it listens (its `listening`): its start is over, and from now it is held to
   * `responseTime`. Once; a second call changes nothing.
   */
  listened(): void;
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
 *
 * An answer counts for the ping it names and those before it, not for every ping sent: a front
 * whose loop answered ping 1 late and is hung since has not answered ping 2, sent meanwhile, and
 * its silence runs from ping 2 (counted from the next ping after the answer, it was found up to
 * one response time late). An id never sent, or already answered, answers nothing: no front can
 * keep itself alive with made-up pongs.
 *
 * A front is starting until it says it listens, not only until its first answer: it answers a
 * ping as soon as it reads one, then binds and builds its routes, which stalled for longer than
 * the response time on a loaded machine, and a healthy front was killed before it ever served.
 * Starting, it may be silent for `startingResponseTime`; once it listens, for the response time,
 * counted from its listening for a ping sent while it was starting. Saying it listens early wins a
 * front nothing: it is held to the shorter limit sooner. A front that answers but has not listened
 * `startingResponseTime` after its start is not starting any more but hung in its start (its routes
 * never applied), and is killed as one that does not answer.
 */
export function pingFront(options: PingOptions): FrontPing {
  const { clock } = options;
  /**
   * When each ping not answered yet was sent, oldest first: ping `lastAnswered + 1` is the first.
   * The verdict's limit over the interval, plus one (16 with the defaults, over a starting
   * front's 30 s), and never more than `maxPingsOut`.
   */
  const unanswered: number[] = [];
  let lastAnswered = 0;
  let sent = 0;
  let timer: unknown;
  let stopped = false;
  /** When the front said it listens; until then it is starting. */
  let listenedAt: number | undefined;
  const startedAt = clock.now();
  const ping = () => {
    unanswered.push(clock.now());
    options.ping(++sent);
  };
  const verdict = () => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      const now = clock.now();
      const since = unanswered[0] ?? now;
      const silent = now - since;
      // Silent since it listened: what it is held to the response time for.
      const silentListening = listenedAt === undefined ? 0 : now - Math.max(since, listenedAt);
      const startLimit = Math.max(options.startingResponseTime ?? startingResponseTime, 3 * options.responseTime());
      // Answering, however late, but starting for longer than the start limit: hung in its start.
      // (One silent for the start limit is found by its silence.) Not only one answering within
      // the response time: one answering every ping later than that was never found.
      const starting = listenedAt === undefined ? now - startedAt : 0;
      const hungStarting = starting > startLimit && silent < startLimit;
      if (silent <= startLimit && silentListening <= options.responseTime() && !hungStarting) {
        if (unanswered.length < maxPingsOut) ping();
        return schedule();
      }
      stopped = true;
      if (hungStarting) options.notListening(starting);
      else options.unresponsive(silent);
    }, 0);
  };
  const schedule = () => {
    timer = clock.setTimeout(verdict, options.interval());
  };
  ping();
  schedule();
  return {
    answered(id) {
      if (!Number.isInteger(id) || id <= lastAnswered || id > sent) return;
      unanswered.splice(0, id - lastAnswered);
      lastAnswered = id;
    },
    listened() {
      listenedAt ??= clock.now();
    },
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
