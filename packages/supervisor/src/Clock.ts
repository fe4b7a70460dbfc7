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

/** Milliseconds on the real clock's scale. */
const now = () => origin + performance.now();

/**
 * A timer of the real clock: Node's timer for what is left of the wait. `unref` (as Node's own)
 * lets it not keep the process alive, the timer set again for the rest included. One object per
 * timer, and no closure: the router sets one for every request's deadlines.
 */
class SystemTimer {
  node: ReturnType<typeof setTimeout>;
  readonly fn: () => void;
  readonly due: number;
  #unrefed = false;

  constructor(fn: () => void, due: number, ms: number) {
    this.fn = fn;
    this.due = due;
    this.node = setTimeout(fireSystemTimer, ms, this);
  }

  unref(): this {
    this.#unrefed = true;
    this.node.unref();
    return this;
  }

  /** Fired before `due` by `now()`: set again for the rest. */
  again(left: number): void {
    this.node = setTimeout(fireSystemTimer, left, this);
    if (this.#unrefed) this.node.unref();
  }
}

function fireSystemTimer(timer: SystemTimer): void {
  const left = timer.due - now();
  if (left > 0) timer.again(left);
  else timer.fn();
}

/**
 * The real clock: monotonic `performance.now()` anchored at process start, and Node's timers.
 * Node fires a timer by the event loop's clock, in whole milliseconds cut down, so a bare timer
 * can fire up to a millisecond before `now()` reaches its start + ms; a timer that fires early is
 * set again for the rest, so that whoever published a due time (a failed pool's `retryAt`) is not
 * seen acting before it.
 */
export const systemClock: Clock = {
  now,
  setTimeout: (fn, ms) => new SystemTimer(fn, now() + (ms >= 1 && ms <= longestTimerMs ? ms : 1), ms),
  clearTimeout: (handle) => clearTimeout((handle as SystemTimer | undefined)?.node),
};

/** The clock of an actor system: the one given to `createActor`, or the real one. */
export function clockOf(system: { _clock: unknown }): Clock {
  const clock = system._clock as Partial<Clock>;
  return typeof clock.now === 'function' ? (clock as Clock) : systemClock;
}
