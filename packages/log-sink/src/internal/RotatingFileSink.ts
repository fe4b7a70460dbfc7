import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { captureFileName } from './captureFileName.ts';
import { markEnded, markLive } from './liveCaptureFiles.ts';
import { pruneCaptureFiles, type PruneResult, type RetentionPolicy } from './pruneCaptureFiles.ts';

const NEWLINE = 0x0a;
// POSIX guarantees at least 1024 buffers per writev (IOV_MAX on Linux and macOS).
const MAX_BUFFERS_PER_WRITE = 1024;

export interface RotatingFileSinkOptions {
  readonly prefix: string;
  readonly startedAt: Date;
  readonly pid: number;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  readonly onRotated: (file: string, previous: string, deleted: string[]) => void;
  readonly onFailed: (file: string, error: NodeJS.ErrnoException) => void;
  /** Applied to every process's files of `prefix` each time this sink opens or closes a file. */
  readonly retention?: RetentionPolicy;
  readonly onPruned?: (result: PruneResult) => void;
  readonly now?: () => number;
}

interface Waiter {
  readonly end: number;
  readonly done: () => void;
}

/**
 * Appends buffers to a series of size-capped files with async fs calls, one write at a time, in
 * the order they were appended. `append`'s callback fires once its bytes are written, which is
 * what gives the capture streams their backpressure. The first failure (disk full, unwritable
 * path) is reported once; from then on appended bytes are dropped and their callbacks fire at once.
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
  #failed = false;
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
    if (bytes === 0 || this.#failed) {
      done();
      return;
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
        const idle = this.#idle;
        this.#idle = [];
        for (const resolve of idle) resolve();
      });
  }

  async #pump(): Promise<void> {
    if (this.#file === undefined && !this.#failed && this.#files.length === 0) await this.#openNext();
    while (this.#queuedBytes > 0) {
      if (this.#failed || this.#file === undefined) {
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
        this.#settle(batch.bytes);
        continue;
      }
      this.#size += batch.bytes;
      this.#settle(batch.bytes);
    }
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

  async #openNext(): Promise<void> {
    const previous = this.#file === undefined ? undefined : this.#path;
    const index = previous === undefined ? 0 : this.#index + 1;
    const path = captureFileName(this.#o.prefix, this.#o.startedAt, this.#o.pid, index);
    try {
      if (this.#file !== undefined) {
        const old = this.#file;
        this.#file = undefined;
        // Synced in the background while writing goes on in the next file; close() waits for
        // it, so that every file is on disk when close() resolves, not only the last one.
        this.#retiring.push(syncAndClose(old));
        markEnded(this.#o.prefix, this.#path);
      }
      this.#path = path;
      // Made again at each rotation in case the folder was removed while the backend ran.
      await mkdir(dirname(path), { recursive: true });
      const file = await open(path, 'a');
      this.#file = file;
      this.#index = index;
      this.#size = (await file.stat()).size;
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#files.push(path);
    markLive(this.#o.prefix, path);
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

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    const file = this.#file;
    this.#file = undefined;
    markEnded(this.#o.prefix, this.#path);
    void file?.close().catch(() => {});
    this.#o.onFailed(this.#path, toErrno(error));
  }

  #drop(): void {
    this.#queue = [];
    const bytes = this.#queuedBytes;
    this.#queuedBytes = 0;
    this.#settle(bytes);
  }

  #settle(bytes: number): void {
    this.#settled += bytes;
    while (this.#waiters.length > 0 && (this.#waiters[0]?.end ?? Infinity) <= this.#settled) {
      this.#waiters.shift()?.done();
    }
  }
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
