import { resolve } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { InvalidLogSinkOptionError } from './errors.ts';
import { LineAssembler, type AssembledLines } from './internal/LineAssembler.ts';
import type { RetentionPolicy } from './internal/pruneCaptureFiles.ts';
import { RotatingFileSink } from './internal/RotatingFileSink.ts';
import { TailBuffer } from './internal/TailBuffer.ts';
import { optionalBoolean, optionalFunction, showValue, wholeNumber } from './internal/validateOption.ts';

const MiB = 1024 * 1024;
// How much of the backend's output may wait in each stream while a file write is in flight
// before the pipe is paused, which in turn blocks the backend's writes.
const STREAM_HIGH_WATER_MARK = MiB;
// A line longer than this is written in pieces, without waiting for its newline.
const MAX_HELD_LINE_BYTES = 256 * 1024;

export interface OutputCaptureOptions {
  /** Write the output to files (ANCM `stdoutLogEnabled`). Default `false`: keep only the tails. */
  readonly enabled?: boolean;
  /** The file name prefix (ANCM `stdoutLogFile`), e.g. `./logs/stdout`. Required when enabled. */
  readonly file?: string;
  /** The backend's process id, used in the file names. Required when enabled. */
  readonly pid?: number;
  /** When the backend started; its UTC time names the files. Default: now. */
  readonly startedAt?: Date;
  /** A file is rotated before it would grow past this. Default 10 MiB. */
  readonly maxFileBytes?: number;
  /** Files kept for this process; older ones are deleted. Default 10. */
  readonly maxFiles?: number;
  /** Bytes kept in memory by `tail()` and by `stderrTail()`. Default 64 KiB. */
  readonly tailBytes?: number;
  /**
   * Which files of `file` stay on disk over all processes, applied each time this capture opens
   * a file: the newest `retain`, none older than `maxAgeMs` (by last write), at most
   * `maxTotalBytes` together, and with `compress` every file no capture writes any more gzipped
   * to `….log.gz`. A file a capture of this process writes now is never touched. Default: none,
   * only `maxFiles` of this capture's own series.
   */
  readonly retention?: OutputRetention;
  /** Prefix each line in the files with its ISO 8601 UTC arrival time and a space. Default `false`. */
  readonly timestamps?: boolean;
  /**
   * Told of every line as it is delivered, in order, whatever `enabled` says: what `portico logs`
   * and the JSON copy on stdout read. A last line without a newline comes when the capture ends.
   * What it throws is ignored.
   */
  readonly onLines?: (lines: readonly OutputLine[]) => void;
  /**
   * Told of `output.capture_failed` (once per outage), `output.capture_resumed`,
   * `output.capture_lost`, `output.rotated`, `output.pruned` and `output.prune_failed`; what it
   * throws is ignored.
   */
  readonly onEvent?: (event: OutputCaptureEvent) => void;
  /** The clock for timestamps and the default `startedAt`, in epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** One line a backend wrote, without its newline, as `onLines` gets it. */
export interface OutputLine {
  readonly stream: 'stdout' | 'stderr';
  /** When the capture received it, epoch milliseconds. */
  readonly time: number;
  /** The line as UTF-8 text (invalid bytes become U+FFFD), without the newline. */
  readonly text: string;
}

/** The `retention` option of `createOutputCapture`. */
export interface OutputRetention {
  /** Files kept, the newest, over every process of the prefix. Default 30 (pm2-logrotate's `retain`). */
  readonly retain?: number;
  /** Files last written longer ago than this many milliseconds are deleted. Default: no limit. */
  readonly maxAgeMs?: number;
  /** The oldest files are deleted while all together are larger than this. Default: no limit. */
  readonly maxTotalBytes?: number;
  /** Gzip the files no process writes any more (pm2-logrotate's `compress`). Default `false`. */
  readonly compress?: boolean;
}

/** Reported through `onEvent`; pass it on with `logEvent(logger, event.event, fields)`. */
export type OutputCaptureEvent =
  | { readonly event: 'output.capture_failed'; readonly file: string; readonly code: string; readonly message: string }
  | { readonly event: 'output.capture_resumed'; readonly file: string; readonly droppedBytes: number; readonly lostMs: number }
  | { readonly event: 'output.capture_lost'; readonly file: string; readonly droppedBytes: number }
  | { readonly event: 'output.rotated'; readonly file: string; readonly previous: string; readonly deleted: readonly string[] }
  | { readonly event: 'output.pruned'; readonly prefix: string; readonly deleted: readonly string[]; readonly compressed: readonly string[] }
  | { readonly event: 'output.prune_failed'; readonly prefix: string; readonly file: string; readonly code: string; readonly message: string };

export interface OutputCapture {
  /** Pipe the backend's stdout here. */
  readonly stdout: Writable;
  /** Pipe the backend's stderr here. */
  readonly stderr: Writable;
  /** The last `tailBytes` of stdout and stderr together, in whole lines as written to the files. */
  tail(): string;
  /** The last `tailBytes` of stderr alone. */
  stderrTail(): string;
  /** The files written so far that retention has not deleted, oldest first. */
  readonly files: readonly string[];
  /**
   * Ends the capture and resolves once every byte received is written and synced to disk. Call it
   * after the child's `'close'` event, when its pipes have ended; if they are still open (a
   * grandchild holds them), they are detached and drained into the tails only, so the backend
   * never blocks. Idempotent: every call returns the same promise, which never rejects.
   */
  close(): Promise<void>;
}

/**
 * Captures a backend's stdout and stderr: into rotated files `<file>_<yyyyMMddHHmmss>_<pid>.log`,
 * `…_<pid>.1.log`, … when enabled, and always into in-memory tails for error pages. Writes are
 * asynchronous and hold the backend's pipes back while the disk catches up, so nothing it wrote is
 * lost and the event loop never blocks. A failing disk (full, unwritable) is reported once per
 * outage through `onEvent`: output is then dropped and counted, never held, so the backend never
 * waits for it, and is written again once a try a second succeeds. The capture never throws.
 *
 * @example
 * const capture = createOutputCapture({ enabled: true, file: './logs/stdout', pid: child.pid,
 *   onEvent: ({ event, ...fields }) => logEvent(logger, event, fields) });
 * child.stdout.pipe(capture.stdout);
 * child.stderr.pipe(capture.stderr);
 * child.on('close', async () => { await capture.close(); console.log(capture.stderrTail()); });
 */
export function createOutputCapture(options: OutputCaptureOptions = {}): OutputCapture {
  const o = resolveOptions(options);
  const tail = new TailBuffer(o.tailBytes);
  const errorTail = new TailBuffer(o.tailBytes);
  const report = (event: OutputCaptureEvent): void => {
    try {
      o.onEvent?.(event);
    } catch {
      // A failing listener must not take the backend's output down with it.
    }
  };
  const sink =
    o.file === undefined
      ? undefined
      : new RotatingFileSink({
          prefix: o.file,
          startedAt: o.startedAt,
          pid: o.pid,
          maxFileBytes: o.maxFileBytes,
          maxFiles: o.maxFiles,
          onRotated: (file, previous, deleted) => report({ event: 'output.rotated', file, previous, deleted }),
          onFailed: (file, error) =>
            report({ event: 'output.capture_failed', file, code: error.code ?? 'UNKNOWN', message: error.message }),
          onResumed: (file, droppedBytes, lostMs) => report({ event: 'output.capture_resumed', file, droppedBytes, lostMs }),
          onLost: (file, droppedBytes) => report({ event: 'output.capture_lost', file, droppedBytes }),
          ...(o.retention === undefined ? {} : { retention: o.retention }),
          now: o.now,
          onPruned: ({ deleted, compressed, failure }) => {
            const prefix = o.file as string;
            if (deleted.length > 0 || compressed.length > 0) report({ event: 'output.pruned', prefix, deleted, compressed });
            if (failure) report({ event: 'output.prune_failed', prefix, file: failure.file, code: failure.error.code ?? 'UNKNOWN', message: failure.error.message });
          },
        });
  const stamp = o.timestamps ? (time: number) => `${new Date(time).toISOString()} ` : undefined;

  const deliver = (isStderr: boolean, lines: readonly AssembledLines[], done: () => void, time = o.now()): void => {
    const written: Buffer[] = [];
    for (const { plain, written: out } of lines) {
      for (const chunk of plain) {
        tail.push(chunk);
        if (isStderr) errorTail.push(chunk);
      }
      written.push(...out);
    }
    if (o.onLines !== undefined && lines.length > 0) tellLines(o.onLines, isStderr ? 'stderr' : 'stdout', lines, time);
    if (sink === undefined) done();
    else sink.append(written, done);
  };

  const sources = new Map<Writable, Set<Readable>>();
  const captureStream = (isStderr: boolean): Writable => {
    const lines = new LineAssembler(stamp, MAX_HELD_LINE_BYTES);
    const stream = new Writable({
      highWaterMark: STREAM_HIGH_WATER_MARK,
      writev(chunks, callback) {
        const time = o.now();
        const out: AssembledLines[] = [];
        for (const { chunk } of chunks) {
          const assembled = lines.push(chunk as Buffer, time);
          if (assembled !== undefined) out.push(assembled);
        }
        deliver(isStderr, out, () => callback(), time);
      },
      final(callback) {
        const last = lines.end();
        deliver(isStderr, last === undefined ? [] : [last], () => callback());
      },
    });
    const piped = new Set<Readable>();
    sources.set(stream, piped);
    stream.on('pipe', (source: Readable) => piped.add(source));
    stream.on('unpipe', (source: Readable) => piped.delete(source));
    // A write after close() errors the stream; the host process must not die of it.
    stream.on('error', () => {});
    return stream;
  };
  const stdout = captureStream(false);
  const stderr = captureStream(true);

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    for (const [stream, isStderr] of [[stdout, false], [stderr, true]] as const) {
      for (const source of [...(sources.get(stream) ?? [])]) {
        source.unpipe(stream);
        source.on('data', (chunk: Buffer) => {
          tail.push(chunk);
          if (isStderr) errorTail.push(chunk);
        });
        source.resume();
      }
      if (!stream.writableEnded) stream.end();
    }
    await Promise.all([finished(stdout).catch(() => {}), finished(stderr).catch(() => {})]);
    await sink?.close();
  };

  return {
    stdout,
    stderr,
    tail: () => tail.toString(),
    stderrTail: () => errorTail.toString(),
    get files() {
      return sink?.files ?? [];
    },
    close: () => (closing ??= close()),
  };
}

interface ResolvedOptions {
  readonly file: string | undefined;
  readonly pid: number;
  readonly startedAt: Date;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  readonly tailBytes: number;
  readonly timestamps: boolean;
  readonly retention: RetentionPolicy | undefined;
  readonly onEvent: ((event: OutputCaptureEvent) => void) | undefined;
  readonly onLines: ((lines: readonly OutputLine[]) => void) | undefined;
  readonly now: () => number;
}

function resolveOptions(options: OutputCaptureOptions): ResolvedOptions {
  const enabled = optionalBoolean('enabled', options.enabled) ?? false;
  const now = optionalFunction<() => number>('now', options.now) ?? Date.now;
  const { file, pid, startedAt } = options;
  if (enabled && (typeof file !== 'string' || file === '')) {
    throw new InvalidLogSinkOptionError('file', `must be a non-empty path prefix such as "./logs/stdout" when enabled is true, got ${showValue(file)}`);
  }
  if (enabled && (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0)) {
    throw new InvalidLogSinkOptionError('pid', `must be the backend's process id (a whole number > 0) when enabled is true, got ${showValue(pid)}`);
  }
  if (startedAt !== undefined && (!(startedAt instanceof Date) || Number.isNaN(startedAt.getTime()))) {
    throw new InvalidLogSinkOptionError('startedAt', `must be a valid Date, got ${showValue(startedAt)}`);
  }
  return {
    file: enabled ? resolve(file as string) : undefined,
    pid: pid ?? 0,
    startedAt: startedAt ?? new Date(now()),
    maxFileBytes: wholeNumber('maxFileBytes', options.maxFileBytes, 1, 10 * MiB),
    maxFiles: wholeNumber('maxFiles', options.maxFiles, 1, 10),
    tailBytes: wholeNumber('tailBytes', options.tailBytes, 0, 64 * 1024),
    timestamps: optionalBoolean('timestamps', options.timestamps) ?? false,
    retention: resolveRetention(options.retention),
    onEvent: optionalFunction<(event: OutputCaptureEvent) => void>('onEvent', options.onEvent),
    onLines: optionalFunction<(lines: readonly OutputLine[]) => void>('onLines', options.onLines),
    now,
  };
}

function resolveRetention(retention: OutputRetention | undefined): RetentionPolicy | undefined {
  if (retention === undefined) return undefined;
  if (typeof retention !== 'object' || retention === null) throw new InvalidLogSinkOptionError('retention', `must be an object, got ${showValue(retention)}`);
  const limit = (name: 'maxAgeMs' | 'maxTotalBytes') => {
    const value = retention[name];
    return value === undefined ? undefined : wholeNumber(`retention.${name}`, value, 1, 0);
  };
  return {
    retain: wholeNumber('retention.retain', retention.retain, 1, 30),
    maxAgeMs: limit('maxAgeMs'),
    maxTotalBytes: limit('maxTotalBytes'),
    compress: optionalBoolean('retention.compress', retention.compress) ?? false,
  };
}

/**
 * Splits what one stream delivered into lines for `onLines`. An over-long line released in
 * pieces (over 256 KiB without a newline) arrives as several lines.
 */
function tellLines(onLines: (lines: readonly OutputLine[]) => void, stream: 'stdout' | 'stderr', assembled: readonly AssembledLines[], time: number): void {
  const out: OutputLine[] = [];
  for (const { plain } of assembled) {
    const text = (plain.length === 1 ? plain[0]! : Buffer.concat(plain)).toString('utf8');
    const parts = text.split('\n');
    if (parts.at(-1) === '') parts.pop();
    for (const part of parts) out.push({ stream, time, text: part });
  }
  try {
    onLines(out);
  } catch {
    // A failing listener must not take the backend's output down with it.
  }
}
