import type { LogFn } from 'pino';
import { UnknownLogEventError } from './errors.ts';
import type { EventLevel, PorticoEvent } from './PorticoEvent.ts';
import { PorticoEvents, type PorticoEventName } from './PorticoEvents.ts';

/** What `logEvent` needs of a logger: any pino logger or child logger fits. */
export type EventLogger = { readonly [L in EventLevel]: LogFn };

const catalogue: Readonly<Record<string, PorticoEvent>> = PorticoEvents;

/**
 * Logs a catalogued event at its level, as `{ event, eventId, ...fields }`, so operators can
 * alert on the stable id or name. `event` and `eventId` always come from the catalogue, even if
 * `fields` holds keys of the same name. The message defaults to the event's meaning. An event with
 * an `expectedLevel` (`worker.exited`) is logged at that level when `fields.expected` is `true`.
 *
 * @example
 * logEvent(logger, 'worker.ready', { app: 'shop', workerPid: child.pid, startupMs: 812 });
 * // {"level":30,...,"event":"worker.ready","eventId":1001,"app":"shop",...,"msg":"The backend is listening and receives traffic."}
 */
export function logEvent(
  logger: EventLogger,
  event: PorticoEventName | PorticoEvent,
  fields: Readonly<Record<string, unknown>> = {},
  msg?: string,
): void {
  const entry = typeof event === 'string' ? catalogue[event] : event;
  if (entry === undefined || catalogue[entry.name] !== entry) {
    throw new UnknownLogEventError(typeof event === 'string' ? event : String((event as { name?: unknown }).name));
  }
  // Insertion order puts event and eventId first in the line; the second assign makes them win.
  const line = Object.assign({ event: entry.name, eventId: entry.id }, fields, { event: entry.name, eventId: entry.id });
  const level = entry.expectedLevel !== undefined && fields['expected'] === true ? entry.expectedLevel : entry.level;
  logger[level](line, msg ?? entry.meaning);
}
