import type { EventLevel, EventLogger } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';

/** An emitted or logged event with the simulated time it happened at. */
export interface TimedEvent {
  readonly at: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * Records every event an actor emits (`supervisor.child_restarting`, `worker.exited`, …) with
 * the clock's time, for the invariant checks. Attach it before `start()`.
 *
 * @example
 * const events = recordEvents(supervisor, sim.clock);
 */
export function recordEvents(actor: { on(type: '*', handler: (event: { type: string }) => void): unknown }, clock: Clock, into: TimedEvent[] = []): TimedEvent[] {
  actor.on('*', (event) => into.push({ ...event, at: clock.now() }));
  return into;
}

/**
 * A logger for components that report through `logEvent` (a `WorkerPool`'s `logger` option):
 * each line becomes a `TimedEvent` whose `type` is the event's name, so a pool's supervisor
 * decisions can be checked without access to its actor.
 */
export function createCapturingLogger(clock: Clock, into: TimedEvent[] = []): { logger: EventLogger; events: TimedEvent[] } {
  const levels: EventLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
  const write = (line: unknown) => {
    if (typeof line !== 'object' || line === null) return;
    const { event, ...fields } = line as { event?: unknown };
    if (typeof event === 'string') into.push({ ...fields, type: event, at: clock.now() });
  };
  const logger = Object.fromEntries(levels.map((level) => [level, write])) as unknown as EventLogger;
  return { logger, events: into };
}
