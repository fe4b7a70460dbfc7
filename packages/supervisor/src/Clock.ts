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

/** The real clock: monotonic `performance.now()` anchored at process start, and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The clock of an actor system: the one given to `createActor`, or the real one. */
export function clockOf(system: { _clock: unknown }): Clock {
  const clock = system._clock as Partial<Clock>;
  return typeof clock.now === 'function' ? (clock as Clock) : systemClock;
}
