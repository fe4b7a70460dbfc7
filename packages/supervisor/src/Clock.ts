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

/** The real clock: monotonic `performance.now()` anchored at process start, and Node's timers. */
export const systemClock: Clock = {
  now: () => origin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The clock of an actor system: the one given to `createActor`, or the real one. */
export function clockOf(system: { _clock: unknown }): Clock {
  const clock = system._clock as Partial<Clock>;
  return typeof clock.now === 'function' ? (clock as Clock) : systemClock;
}
