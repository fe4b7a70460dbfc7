import { InvalidEventDefinitionError } from '../errors.ts';
import type { EventLevel, EventSpec, PorticoEvent } from '../PorticoEvent.ts';

const levels: readonly EventLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const dottedName = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+$/;
const fieldName = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `event` and `eventId` are written by logEvent itself; the rest are pino's own keys and base
// bindings, which a field of the same name would duplicate in the JSON line.
const reservedFields = new Set(['event', 'eventId', 'msg', 'level', 'time', 'pid', 'hostname']);

export type EventCatalogue<T extends Record<string, EventSpec>> = {
  readonly [K in keyof T & string]: PorticoEvent<K>;
};

/**
 * Checks every entry when the module loads, so a duplicate id or a typo fails the first test
 * that imports the package rather than surfacing in production logs.
 */
export function defineEventCatalogue<const T extends Record<string, EventSpec>>(specs: T): EventCatalogue<T> {
  const byId = new Map<number, string>();
  const catalogue: Record<string, PorticoEvent> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (!dottedName.test(name)) throw new InvalidEventDefinitionError(name, 'must be a dotted lower-case name such as "worker.exited"');
    if (!Number.isInteger(spec.id) || spec.id < 1000 || spec.id > 9999) {
      throw new InvalidEventDefinitionError(name, `needs a whole-number id from 1000 to 9999, got ${String(spec.id)}`);
    }
    const holder = byId.get(spec.id);
    if (holder !== undefined) throw new InvalidEventDefinitionError(name, `reuses id ${spec.id} of "${holder}"`);
    byId.set(spec.id, name);
    if (!levels.includes(spec.level)) throw new InvalidEventDefinitionError(name, `has level "${String(spec.level)}"; use one of ${levels.join(', ')}`);
    if (spec.expectedLevel !== undefined && !levels.includes(spec.expectedLevel)) {
      throw new InvalidEventDefinitionError(name, `has expectedLevel "${String(spec.expectedLevel)}"; use one of ${levels.join(', ')}`);
    }
    if (spec.expectedLevel !== undefined && !spec.fields.includes('expected')) {
      throw new InvalidEventDefinitionError(name, 'has an expectedLevel but no "expected" field to choose it');
    }
    if (spec.meaning.trim() === '') throw new InvalidEventDefinitionError(name, 'needs a meaning');
    for (const field of spec.fields) {
      if (!fieldName.test(field) || reservedFields.has(field)) {
        throw new InvalidEventDefinitionError(name, `lists field "${field}", which is not a plain identifier or is reserved`);
      }
    }
    catalogue[name] = Object.freeze({
      name,
      id: spec.id,
      level: spec.level,
      ...(spec.expectedLevel === undefined ? {} : { expectedLevel: spec.expectedLevel }),
      fields: Object.freeze([...spec.fields]), meaning: spec.meaning });
  }
  return Object.freeze(catalogue) as EventCatalogue<T>;
}
