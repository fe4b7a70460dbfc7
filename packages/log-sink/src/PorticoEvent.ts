/** The pino levels an event may be logged at. */
export type EventLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** One line of the catalogue, as written in `PorticoEvents.ts`. */
export interface EventSpec {
  /** Stable numeric id, unique across the catalogue; never reused once released. */
  readonly id: number;
  readonly level: EventLevel;
  /**
   * The level instead of `level` when the line's `expected` field is `true`: an exit or stop that
   * Portico asked for (a reload, `portico stop`) is routine, not a warning.
   */
  readonly expectedLevel?: EventLevel;
  /** The fields a line of this event carries besides `event` and `eventId`. */
  readonly fields: readonly string[];
  /** One sentence for operators: what happened and what it implies. */
  readonly meaning: string;
}

/**
 * An operator-relevant event: a stable numeric `id` and dotted `name` that alerts and dashboards
 * can key on, the level it is logged at, and the fields that come with it.
 */
export interface PorticoEvent<Name extends string = string> extends EventSpec {
  readonly name: Name;
}
