import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { captureFileName } from './captureFileName.ts';
import { logFileFlags } from './logFileFlags.ts';
import { markEnded, markLive } from './liveCaptureFiles.ts';
import { pruneCaptureFiles, type PruneResult, type RetentionPolicy } from './pruneCaptureFiles.ts';
import { refusedLink } from './refusedLink.ts';

const NEWLINE = 0x0a;
// POSIX guarantees at least 1024 buffers per writev (IOV_MAX on Linux and macOS).
const MAX_BUFFERS_PER_WRITE = 1024;
/**
 * While writes fail, output is dropped; the first output that arrives this long after the last
 * failed try is written again. One try a second costs a full disk one open and one write a second
 * per process, and lets the files resume within about a second of space returning.
 */
export const RETRY_INTERVAL_MS = 1000;

export interface RotatingFileSinkOptions {
  readonly prefix: string;
  readonly startedAt: Date;
  readonly pid: number;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  readonly onRotated: (file: string, previous: string, deleted: string[]) => void;
  /** The first failed write or open of an outage; output is dropped until a write succeeds again. */
  readonly onFailed: (file: string, error: NodeJS.ErrnoException) => void;
  /** A write succeeded again after an outage; `droppedBytes` of output were lost meanwhile. */
  readonly onResumed?: (file: string, droppedBytes: number, lostMs: number) => void;
  /** Closed during an outage: the last `droppedBytes` of output never reached a file. */
  readonly onLost?: (file: string, droppedBytes: number) => void;
  /** Applied to every process's files of `prefix` each time this sink opens or closes a file. */
  readonly retention?: RetentionPolicy;
  readonly onPruned?: (result: PruneResult) => void;
  readonly now?: () => number;
}

interface Waiter {
  readonly end: number;
  readonly done: () => void;
}

/** Writes are failing: since when, when they were last tried, and how much output was dropped. */
interface Outage {
  readonly since: number;
  lastTry: number;
  droppedBytes: number;
}

/**
 * Appends buffers to a series of size-capped files with async fs calls, one write at a time, in
 * the order they were appended. `append`'s callback fires once its bytes are written, which is
 * what gives the capture streams their backpressure. A failure (disk full, unwritable path) starts
 * an outage, reported once: appended bytes are dropped and counted, and their callbacks fire at
 * once, so a backend is never held by a disk that cannot take its output. Output that arrives
 * RETRY_INTERVAL_MS after the last failed try is written again, to the same file; the first write
 * that succeeds ends the outage and is reported with what was dropped.
 */
export class RotatingFileSink {
  readonly #o: RotatingFileSinkOptions;
  readonly #files: string[] = [];
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  readonly #waiters: Waiter[] = [];
  #appended = 0;
  #settled = 0;
  #running = false;
  #retiring: Promise<void>[] = [];
  #idle: (() => void)[] = [];
  #outage: Outage | undefined;
  /** An outage's try is under way: what is appended meanwhile is queued, not dropped. */
  #retrying = false;
  /** Whether #path was ever opened, so that opening it again after an outage is not a rotation. */
  #pathOpened = false;
  #pathIndex = 0;
  #file: FileHandle | undefined;
  #path: string;
  #size = 0;
  #index = 0;
  #pruning: Promise<void> = Promise.resolve();

  constructor(options: RotatingFileSinkOptions) {
    this.#o = options;
    this.#path = captureFileName(options.prefix, options.startedAt, options.pid, 0);
    // Opened at once, as ANCM does: an empty file says "the backend printed nothing", and an
    // unwritable path is reported when the process starts rather than at its first line.
    this.#kick();
  }

  /** Every file written so far that retention has not deleted, oldest first. */
  get files(): readonly string[] {
    return [...this.#files];
  }

  append(chunks: readonly Buffer[], done: () => void): void {
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    if (bytes === 0) {
      done();
      return;
    }
    const outage = this.#outage;
    if (outage !== undefined && !this.#retrying) {
      const now = this.#now();
      if (now - outage.lastTry < RETRY_INTERVAL_MS) {
        outage.droppedBytes += bytes;
        done();
        return;
      }
      outage.lastTry = now;
      this.#retrying = true;
    }
    this.#queue.push(...chunks);
    this.#queuedBytes += bytes;
    this.#appended += bytes;
    this.#waiters.push({ end: this.#appended, done });
    this.#kick();
  }

  /** Waits for every appended byte, syncs the current file to disk and closes it. */
  async close(): Promise<void> {
    if (this.#running) await new Promise<void>((resolve) => this.#idle.push(resolve));
    const file = this.#file;
    this.#file = undefined;
    await Promise.all([...this.#retiring, file === undefined ? undefined : syncAndClose(file)]);
    this.#retiring = [];
    if (file !== undefined) {
      markEnded(this.#o.prefix, this.#path);
      // The file just ended may be compressed now: a successor that opened its file while this
      // one was still draining (an exit is reported before the last output is read) skipped it.
      this.#prune();
    }
    await this.#pruning;
    const outage = this.#outage;
    if (outage !== undefined && outage.droppedBytes > 0) this.#o.onLost?.(this.#path, outage.droppedBytes);
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#pump()
      .catch((error: unknown) => {
        // Only a bug could get here; losing the files must not take the host down with it.
        this.#fail(error);
        this.#drop();
      })
      .finally(() => {
        this.#running = false;
        // What a settled callback appended while the pump was returning (the stream hands its
        // next chunks over synchronously) would otherwise wait for an append that may never come,
        // and its pipe with it.
        if (this.#queuedBytes > 0) {
          this.#kick();
          return;
        }
        const idle = this.#idle;
        this.#idle = [];
        for (const resolve of idle) resolve();
      });
  }

  async #pump(): Promise<void> {
    if (this.#file === undefined && (this.#outage === undefined ? !this.#pathOpened : this.#retrying)) await this.#openPath();
    while (this.#queuedBytes > 0) {
      if (this.#file === undefined) {
        this.#drop();
        return;
      }
      const batch = this.#size >= this.#o.maxFileBytes ? undefined : this.#take(this.#o.maxFileBytes - this.#size);
      if (batch === undefined) {
        await this.#openNext();
        continue;
      }
      try {
        await writeAll(this.#file, batch.buffers, batch.bytes);
      } catch (error) {
        this.#fail(error);
        // Whatever part of the batch did not reach the file is dropped with the rest.
        if (this.#outage !== undefined) this.#outage.droppedBytes += batch.bytes;
        this.#settle(batch.bytes);
        continue;
      }
      this.#size += batch.bytes;
      this.#settle(batch.bytes);
      this.#resumed();
    }
  }

  /** A write succeeded: an outage, if there was one, is over. */
  #resumed(): void {
    const outage = this.#outage;
    this.#retrying = false;
    if (outage === undefined) return;
    this.#outage = undefined;
    this.#o.onResumed?.(this.#path, outage.droppedBytes, this.#now() - outage.since);
  }

  /**
   * Takes up to `budget` bytes from the queue, cut after a newline when the queue holds more
   * than fits, so a line shorter than maxFileBytes is never split across two files. Returns
   * undefined when the current file should be rotated first.
   */
  #take(budget: number): { buffers: Buffer[]; bytes: number } | undefined {
    let cut = Math.min(budget, this.#queuedBytes);
    if (this.#queuedBytes > budget) {
      const newline = this.#lastNewlineBefore(budget);
      if (newline >= 0) cut = newline + 1;
      else if (this.#size > 0) return undefined;
    }
    const buffers: Buffer[] = [];
    let bytes = 0;
    while (bytes < cut && buffers.length < MAX_BUFFERS_PER_WRITE) {
      const head = this.#queue[0];
      if (head === undefined) break;
      if (bytes + head.length <= cut) {
        buffers.push(head);
        bytes += head.length;
        this.#queue.shift();
      } else {
        const part = cut - bytes;
        buffers.push(head.subarray(0, part));
        this.#queue[0] = head.subarray(part);
        bytes += part;
      }
    }
    this.#queuedBytes -= bytes;
    return { buffers, bytes };
  }

  /** Offset in the queue of the last newline among its first `limit` bytes, or -1. */
  #lastNewlineBefore(limit: number): number {
    let offset = 0;
    let found = -1;
    for (const buffer of this.#queue) {
      if (offset >= limit) break;
      const within = Math.min(buffer.length, limit - offset);
      const at = buffer.lastIndexOf(NEWLINE, within - 1);
      if (at >= 0) found = offset + at;
      offset += buffer.length;
    }
    return found;
  }

  /** Rotates: the current file is retired and the next of the series opened. */
  async #openNext(): Promise<void> {
    if (this.#file !== undefined) {
      const old = this.#file;
      this.#file = undefined;
      // Synced in the background while writing goes on in the next file; close() waits for
      // it, so that every file is on disk when close() resolves, not only the last one.
      this.#retiring.push(syncAndClose(old));
      markEnded(this.#o.prefix, this.#path);
    }
    this.#pathIndex = this.#index + 1;
    this.#path = captureFileName(this.#o.prefix, this.#o.startedAt, this.#o.pid, this.#pathIndex);
    this.#pathOpened = false;
    await this.#openPath();
  }

  /**
   * Opens #path for appending: the series' first file, the next one at a rotation, or the same
   * one again after an outage, where a line the failed write cut is ended first so that it does
   * not run into the next.
   */
  async #openPath(): Promise<void> {
    const path = this.#path;
    const reopened = this.#pathOpened;
    const previous = this.#files.at(-1);
    try {
      // Made again at each opening in case the folder was removed while the backend ran.
      await mkdir(dirname(path), { recursive: true });
      // 'a+': appending, and reading the last byte when the file is opened again after an outage.
      const file = await open(path, logFileFlags.appendAndRead).catch((error: unknown) => {
        throw refusedLink(path, error);
      });
      this.#file = file;
      this.#size = (await file.stat()).size;
      if (this.#size > 0 && this.#outage !== undefined && !(await endsWithNewline(file, this.#size))) {
        await writeAll(file, [Buffer.from('\n')], 1);
        this.#size += 1;
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    markLive(this.#o.prefix, path);
    this.#pathOpened = true;
    this.#index = this.#pathIndex;
    if (reopened) return;
    this.#files.push(path);
    this.#prune();
    const deleted: string[] = [];
    while (this.#files.length > this.#o.maxFiles) {
      const oldest = this.#files.shift();
      if (oldest === undefined) break;
      // Retention is best effort: a file an operator already moved away is simply gone.
      await unlink(oldest).catch(() => {});
      deleted.push(oldest);
    }
    if (previous !== undefined) this.#o.onRotated(path, previous, deleted);
  }

  /** In the background: writing goes on while old files are compressed or deleted. */
  #prune(): void {
    const { retention, onPruned, now = Date.now } = this.#o;
    if (retention === undefined) return;
    this.#pruning = this.#pruning.then(() => pruneCaptureFiles(this.#o.prefix, retention, now()).then((result) => onPruned?.(result)).catch(() => {}));
  }

  /** A write or an open failed: an outage starts (reported), or a try during one failed (not reported again). */
  #fail(error: unknown): void {
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) {
      markEnded(this.#o.prefix, this.#path);
      void file.close().catch(() => {});
    }
    this.#retrying = false;
    const now = this.#now();
    if (this.#outage !== undefined) {
      this.#outage.lastTry = now;
      return;
    }
    this.#outage = { since: now, lastTry: now, droppedBytes: 0 };
    this.#o.onFailed(this.#path, toErrno(error));
  }

  #drop(): void {
    this.#queue = [];
    const bytes = this.#queuedBytes;
    this.#queuedBytes = 0;
    if (this.#outage !== undefined) this.#outage.droppedBytes += bytes;
    this.#settle(bytes);
  }

  #settle(bytes: number): void {
    this.#settled += bytes;
    while (this.#waiters.length > 0 && (this.#waiters[0]?.end ?? Infinity) <= this.#settled) {
      this.#waiters.shift()?.done();
    }
  }
}

async function endsWithNewline(file: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  return last[0] === NEWLINE;
}

async function syncAndClose(file: FileHandle): Promise<void> {
  await file.datasync().catch(() => {});
  await file.close().catch(() => {});
}

async function writeAll(file: FileHandle, buffers: Buffer[], bytes: number): Promise<void> {
  let rest = buffers;
  let left = bytes;
  while (left > 0) {
    const { bytesWritten } = await file.writev(rest);
    if (bytesWritten <= 0) throw Object.assign(new Error('the file accepted no bytes'), { code: 'EIO' });
    left -= bytesWritten;
    if (left > 0) rest = skipBytes(rest, bytesWritten);
  }
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let skip = count;
  let i = 0;
  while (i < buffers.length && skip >= (buffers[i]?.length ?? 0)) skip -= buffers[i++]?.length ?? 0;
  const rest = buffers.slice(i);
  const first = rest[0];
  if (first !== undefined && skip > 0) rest[0] = first.subarray(skip);
  return rest;
}

function toErrno(error: unknown): NodeJS.ErrnoException {
  return error instanceof Error ? error : Object.assign(new Error(String(error)), { code: 'UNKNOWN' });
}
