import { performance } from 'node:perf_hooks';

/**
 * Where the supervision core gets time from. Pass the same object to xstate's `createActor(logic,
 * { clock })`: xstate schedules delayed events with `setTimeout`/`clearTimeout`, and supervisors
 * read `now()` for restart windows and uptimes. Tests pass a `SimulatedClock` instead.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** When the process started, fixed for its life; read once, since the forwarder asks the time on every request. */
const origin = performance.timeOrigin;

/** Node's longest timer; a longer, negative or NaN delay is 1 ms to Node, and so to this clock. */
const longestTimerMs = 2_147_483_647;

/**
 * A timer of the real clock: Node's timer for what is left of the wait. `unref` (as Node's own)
 * lets it not keep the process alive, the timer set again for the rest included.
 */
interface SystemTimer {
  node: ReturnType<typeof setTimeout>;
  unrefed: boolean;
  unref(): SystemTimer;
}

/** Milliseconds on the real clock's scale. */
const now = () => origin + performance.now();

/**
 * The real clock: monotonic `performance.now()` anchored at process start, and Node's timers.
 * Node fires a timer by the event loop's clock, in whole milliseconds cut down, so a bare timer
 * can fire up to a millisecond before `now()` reaches its start + ms; a timer that fires early is
 * set again for the rest, so that whoever published a due time (a failed pool's `retryAt`) is not
 * seen acting before it.
 */
export const systemClock: Clock = {
  now,
  setTimeout: (fn, ms) => {
    const due = now() + (ms >= 1 && ms <= longestTimerMs ? ms : 1);
    const timer: SystemTimer = {
      node: setTimeout(function fire() {
        const left = due - now();
        if (left <= 0) return fn();
        timer.node = setTimeout(fire, left);
        if (timer.unrefed) timer.node.unref();
      }, ms),
      unrefed: false,
      unref() {
        timer.unrefed = true;
        timer.node.unref();
        return timer;
      },
    };
    return timer;
  },
  clearTimeout: (handle) => clearTimeout((handle as SystemTimer | undefined)?.node),
};

/** The clock of an actor system: the one given to `createActor`, or the real one. */
export function clockOf(system: { _clock: unknown }): Clock {
  const clock = system._clock as Partial<Clock>;
  return typeof clock.now === 'function' ? (clock as Clock) : systemClock;
}
