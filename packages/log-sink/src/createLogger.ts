import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger } from 'pino';
import { InvalidLogSinkOptionError, LogDestinationUnwritableError } from './errors.ts';
import { fdDestination } from './internal/fdDestination.ts';
import { logFileFlags } from './internal/logFileFlags.ts';
import { refusedLink } from './internal/refusedLink.ts';
import { LogWriteFailures, registerWriteFailures } from './LogWriteFailures.ts';
import { PrettyDestination } from './internal/PrettyDestination.ts';
import { optionalBoolean, showValue } from './internal/validateOption.ts';

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino log level name, or `'silent'` to log nothing. */
export type LoggerLevel = (typeof levels)[number];

export interface LoggerOptions {
  /** The lowest level written. Default `'info'`. */
  readonly level?: LoggerLevel;
  /**
   * A Writable, or a file path (appended to; missing folders are created). Default: stdout. On
   * stdout or a file, a write that fails (a full disk, an I/O error, a closed pipe) never throws:
   * it is counted (`logWriteFailures`) and said once on stderr. A Writable reports its own errors.
   */
  readonly destination?: Writable | string;
  /** One human-readable line per event instead of JSON (docs/logging.md). Default: `true` when the destination is a TTY. */
  readonly pretty?: boolean;
  /** Fields on every line. Default `{ pid, hostname }`; `null` for none. */
  readonly base?: Readonly<Record<string, unknown>> | null;
}

/**
 * Makes Portico's logger: pino writing one JSON object per line, or one short line per event
 * (`13:19:12.345 INFO  worker.ready app=shop workerPid=4242`) when the destination is a terminal. Timestamps are ISO 8601 in UTC (`time`); levels are pino's numbers.
 * Pretty output is formatted on the calling thread, never in a worker, and on stdout or a file
 * each line is written on the calling thread before the call returns, never in libuv's thread
 * pool, so nothing is in flight at exit: the lines kept (a full disk or pipe) are written then,
 * once and in order, including on `process.exit()`.
 *
 * @example
 * const logger = createLogger({ level: 'debug', destination: './logs/portico.log' });
 * logEvent(logger.child({ app: 'shop' }), 'worker.ready', { workerPid: 4242, endpoint: '127.0.0.1:40123' });
 * process.on('uncaughtException', (err) => { logger.fatal({ err }); flushLoggerSync(logger); process.exit(1); });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!levels.includes(level)) {
    throw new InvalidLogSinkOptionError('level', `must be one of ${levels.join(', ')}, got ${showValue(level)}`);
  }
  const pretty = optionalBoolean('pretty', options.pretty);
  const base = options.base;
  if (base !== undefined && base !== null && (typeof base !== 'object' || Array.isArray(base))) {
    throw new InvalidLogSinkOptionError('base', `must be an object of fields or null, got ${showValue(base)}`);
  }

  const { target, isTTY, failures } = openDestination(options.destination);
  const stream: DestinationStream = (pretty ?? isTTY) ? new PrettyDestination(target, isTTY) : target;
  if (failures) registerWriteFailures(stream, failures);
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Actors report failures as `error` as well as pino's `err`; an Error left to
      // JSON.stringify would be logged as {}.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      ...(base === undefined ? {} : { base }),
    },
    stream,
  );
}

function openDestination(destination: unknown): { target: DestinationStream; isTTY: boolean; failures?: LogWriteFailures } {
  if (destination === undefined) {
    const failures = new LogWriteFailures('stdout');
    return { target: fdDestination(1, failures), isTTY: process.stdout.isTTY === true, failures };
  }
  if (typeof destination === 'string' && destination !== '') {
    const failures = new LogWriteFailures(JSON.stringify(destination));
    return { target: fdDestination(openForAppend(destination), failures), isTTY: false, failures };
  }
  if (isWritable(destination)) {
    return { target: destination, isTTY: (destination as { isTTY?: unknown }).isTTY === true };
  }
  throw new InvalidLogSinkOptionError('destination', `must be a Writable stream or a non-empty file path, got ${showValue(destination)}`);
}

/**
 * Opened here, synchronously and once, so a bad path fails `createLogger` with a coded error, and
 * so `flushLoggerSync` works from the first line (an asynchronously opened file has no fd yet).
 */
function openForAppend(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, logFileFlags.append);
  } catch (error) {
    throw new LogDestinationUnwritableError(path, refusedLink(path, error) as Error);
  }
}

function isWritable(value: unknown): value is DestinationStream {
  return typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function';
}
