import { durationBuckets } from '@portico/listener';
import { PorticoEvents, type PorticoEventName } from '@portico/log-sink';
import { frontEvents } from './frontEvents.ts';
import type { FrontMessage } from './FrontMessage.ts';

/** A message the control does not take from a front: its type (`unknown` for none it knows) and what is wrong with it. */
export interface RefusedFrontMessage {
  readonly type: FrontMessage['type'] | 'unknown';
  readonly problem: string;
}

/** Entries of one per-app or per-process record of a report: far above the apps and worker processes one front routes to. */
export const maxReportEntries = 4096;
/** Characters of one app name or process key (`id@pid`) in a report: an app's name has at most 64. */
export const maxKeyLength = 256;

type Fields = Readonly<Record<string, unknown>>;
/** What is wrong with one message of its type, or `undefined` if nothing is. */
type Check = (message: Fields) => string | undefined;

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A count: a whole number, not negative, exact in a double. NaN, Infinity, a string or null is none. */
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/**
 * An amount (milliseconds, bytes): not negative and at most 2^53 - 1, as a count. Finite is not
 * enough: two fronts reporting 1e308 each add up to Infinity (review of issue 21). 2^53 - 1 ms is
 * 285 000 years of request time, 2^53 - 1 bytes 8 PiB: far above what one front process counts.
 */
const isAmount = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER;
/**
 * An id as the control sends them (a ping's, an ask's, a routes message's): a whole number from 1.
 * Whether the control sent it is for the one who sent it to say: `pingFront` ignores a pong of a
 * ping never sent, `MetricsAsks` a report answering an ask not out (the report's figures count as
 * any report's), and the fleet refuses `routes.applied` past the last routes sent to that front.
 */
const isId = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;

const countField = (message: Fields, field: string): string | undefined => (isCount(message[field]) ? undefined : `${field} is ${shown(message[field])}, not a count`);
const idField = (message: Fields, field: string): string | undefined => (isId(message[field]) ? undefined : `${field} is ${shown(message[field])}, not an id`);
const stringField = (message: Fields, field: string): string | undefined =>
  typeof message[field] === 'string' && (message[field] as string).length <= maxKeyLength ? undefined : `${field} is ${shown(message[field])}, not a name of at most ${maxKeyLength} characters`;

/**
 * A record of `check`ed values by app or process key, within the bounds on its entries. A value's
 * check returns what is wrong as the rest of a sentence after the value's path: ` is …` or `.field is …`.
 */
function recordField(message: Fields, field: string, check: (value: unknown) => string | undefined): string | undefined {
  const record = message[field];
  if (!isRecord(record)) return `${field} is ${shown(record)}, not an object`;
  const entries = Object.entries(record);
  if (entries.length > maxReportEntries) return `${field} has ${entries.length} entries, more than ${maxReportEntries}`;
  for (const [key, value] of entries) {
    if (key.length > maxKeyLength) return `${field} has a key of ${key.length} characters, more than ${maxKeyLength}`;
    const problem = check(value);
    if (problem !== undefined) return `${field}[${JSON.stringify(key)}]${problem}`;
  }
  return undefined;
}

const count = (value: unknown) => (isCount(value) ? undefined : ` is ${shown(value)}, not a count`);

/** Counts by status class (1xx–5xx) and per latency bucket (`+Inf` last): exactly as many as the control renders. */
const countsOf = (length: number) => (value: unknown) => {
  if (!Array.isArray(value) || value.length !== length) return ` is ${shown(value)}, not ${length} counts`;
  const at = value.findIndex((n) => !isCount(n));
  return at === -1 ? undefined : `[${at}] is ${shown(value[at])}, not a count`;
};
const statusClasses = countsOf(5);
const buckets = countsOf(durationBuckets.length + 1);

/** One app's request counters (`AppCountersSnapshot`). */
function appCounters(value: unknown): string | undefined {
  if (!isRecord(value)) return ` is ${shown(value)}, not an object`;
  const requests = statusClasses(value['requests']);
  if (requests !== undefined) return `.requests${requests}`;
  const latency = buckets(value['buckets']);
  if (latency !== undefined) return `.buckets${latency}`;
  for (const field of ['durationSumMs', 'bytesIn', 'bytesOut']) if (!isAmount(value[field])) return `.${field} is ${shown(value[field])}, not an amount`;
  for (const field of ['upstreamFailures', 'clientClosed', 'incomplete']) if (!isCount(value[field])) return `.${field} is ${shown(value[field])}, not a count`;
  return undefined;
}

const nothing: Check = () => undefined;

/**
 * One check per message type a front sends (`FrontMessage`). Each field the control reads is
 * held to what a front's own code sends: the control adds the counts into `/status`, `/metrics`
 * and its pools' decisions, and one NaN or Infinity there stays for good (a sum never recovers),
 * a negative one undoes what other fronts counted, and a field missing throws in the control.
 */
const checks: Readonly<Record<FrontMessage['type'], Check>> = {
  listening: nothing,
  'accept.stopped': nothing,
  pong: (m) => idField(m, 'id'),
  'routes.applied': (m) => idField(m, 'id'),
  failed: (m) => (typeof m['message'] === 'string' ? undefined : `message is ${shown(m['message'])}, not a string`),
  'pool.start': (m) => stringField(m, 'key'),
  'worker.unreachable': (m) => stringField(m, 'key') ?? stringField(m, 'id') ?? countField(m, 'pid'),
  'worker.idle': (m) => stringField(m, 'key') ?? stringField(m, 'id') ?? countField(m, 'pid'),
  metrics: (m) =>
    (m['id'] === undefined ? undefined : idField(m, 'id')) ??
    countField(m, 'connections') ??
    countField(m, 'answered') ??
    countField(m, 'dropped') ??
    recordField(m, 'waiting', count) ??
    recordField(m, 'inFlight', count) ??
    recordField(m, 'peak', count) ??
    recordField(m, 'served', count) ??
    recordField(m, 'requests', appCounters),
  log: (m) =>
    (frontEvents.has(m['event'] as never) ? undefined : `event is ${shown(m['event'])}, not one a front logs`) ??
    (isRecord(m['fields']) ? undefined : `fields is ${shown(m['fields'])}, not an object`) ??
    logFields(m['event'] as PorticoEventName, m['fields'] as Fields),
};

/**
 * A front's log line holds only its event's fields (`PorticoEvents`): the control writes the line
 * with them, and pino writes a key twice if a field repeats one of the line's own, the last one
 * read. A `level`, `time`, `pid` or `hostname` field would make the line read as the front said:
 * a fatal line at another time from another process (review of issue 21). `front` is the
 * control's word, as are `event`, `eventId` and `msg`: the catalogue lists none of them for an
 * event a front logs but `front.logs_dropped`'s `front`, which the control adds.
 */
function logFields(event: PorticoEventName, fields: Fields): string | undefined {
  const catalogued = PorticoEvents[event].fields;
  for (const field of Object.keys(fields)) {
    if (field === 'front' || !catalogued.includes(field)) return `fields has ${shown(field)}, not a field of ${event} that a front sends (docs/events.md)`;
  }
  return undefined;
}

/**
 * What a front sent, checked field by field before the control reads any of it (docs/architecture.md,
 * What passes between them): the message, or why it is refused. A front is the control's own code,
 * but a front with a bug, or one taken over through a flaw in the data path, must not be able to
 * throw in the control process or poison the figures it adds up. Each message is checked alone:
 * a report against the same front process's earlier ones is held where it is read
 * (`FrontReports.implausible`), and refused the same way.
 */
export function checkFrontMessage(value: unknown): { readonly message: FrontMessage } | { readonly refused: RefusedFrontMessage } {
  if (!isRecord(value)) return { refused: { type: 'unknown', problem: `the message is ${shown(value)}, not an object` } };
  const type = value['type'];
  if (typeof type !== 'string' || !Object.hasOwn(checks, type)) return { refused: { type: 'unknown', problem: `type is ${shown(type)}, not one a front sends` } };
  const problem = checks[type as FrontMessage['type']](value);
  return problem === undefined ? { message: value as unknown as FrontMessage } : { refused: { type: type as FrontMessage['type'], problem } };
}

/** A value as the problem names it, cut short: a refused message may be up to 1 MiB. */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  return String(value);
}
