import { watch, type FSWatcher, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readRegularFile, readRegularFileSync } from '@portico/files';
import { basename, dirname } from 'node:path';
import { AuthFileUnreadableError } from '../../errors.ts';
import type { MechanismContext } from '../Mechanism.ts';
import { decoyHash, type PasswordHash } from './PasswordHash.ts';
import { parseHtpasswd } from './parseHtpasswd.ts';

export interface HtpasswdSnapshot {
  readonly users: ReadonlyMap<string, PasswordHash>;
  readonly decoy: PasswordHash;
}

// Editors and `htpasswd` write in several steps; reload once the burst of events is over.
const settleMs = 100;
// fs.watch misses changes on some file systems; a stat at most this often catches them on use.
const statIntervalMs = 1000;
/** Far above any htpasswd file (100 000 bcrypt users are 6 MiB); past it, not one, and not read. */
const maxBytes = 16 * 1024 * 1024;

/**
 * An htpasswd file kept current: read at construction (errors thrown), then reloaded when the
 * file changes. A reload that fails keeps the last good users and reports
 * `auth.htpasswd_reload_failed`; one that succeeds reports `auth.htpasswd_reloaded`. Only a
 * regular file of at most 16 MiB is read (`readRegularFile`): one swapped for a FIFO, a device, a
 * folder or a huge file while Portico runs is refused without holding a thread of libuv's pool,
 * and the requests waiting for the reload go on with the last good users.
 */
export class HtpasswdFile {
  readonly #path: string;
  readonly #context: MechanismContext;
  #snapshot: HtpasswdSnapshot;
  #signature: string;
  #failedSignature: string | undefined;
  #checkedAt: number;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(path: string, context: MechanismContext) {
    this.#path = path;
    this.#context = context;
    const read = readRegularFileSync(path, maxBytes);
    if ('problem' in read) throw new AuthFileUnreadableError('htpasswdFile', path, new Error(read.problem));
    this.#snapshot = snapshot(parseHtpasswd(read.bytes.toString('utf8'), path));
    this.#signature = signature(read.stats);
    this.#checkedAt = context.clock();
    try {
      // The directory, not the file: an editor that saves by rename replaces the watched inode.
      this.#watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(path)) this.#schedule();
      });
      this.#watcher.on('error', () => this.#stopWatching());
    } catch {
      this.#watcher = undefined;
    }
  }

  /** The current users; stats the file first when the last look is over a second old. */
  current(): HtpasswdSnapshot | Promise<HtpasswdSnapshot> {
    const now = this.#context.clock();
    if (now - this.#checkedAt < statIntervalMs || this.#closed) return this.#snapshot;
    this.#checkedAt = now;
    return this.#reload().then(() => this.#snapshot);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#stopWatching();
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#reload(), settleMs);
    this.#timer.unref();
  }

  /** One reload at a time; a change seen meanwhile runs one more after it. */
  #reload(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = this.#load().finally(() => {
      this.#reloading = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        void this.#reload();
      }
    });
    return this.#reloading;
  }

  async #load(): Promise<void> {
    const file = this.#path;
    let next: string | undefined;
    try {
      // A file that cannot even be statted (gone, a loop of links) is read all the same, for the
      // reason readRegularFile gives; signed by it, so that it is reported once, not every second.
      next = await stat(file).then(signature, (error: NodeJS.ErrnoException) => `unstatted:${error.code}`);
      if (next === this.#signature || next === this.#failedSignature) return;
      const read = await readRegularFile(file, maxBytes);
      if ('problem' in read) throw new Error(`${file} ${read.problem}`);
      const users = parseHtpasswd(read.bytes.toString('utf8'), file);
      if (this.#closed) return;
      this.#snapshot = snapshot(users);
      this.#signature = next;
      this.#failedSignature = undefined;
      this.#context.report('auth.htpasswd_reloaded', { file, users: users.size });
    } catch (error) {
      if (this.#closed) return;
      this.#failedSignature = next;
      this.#context.report('auth.htpasswd_reload_failed', { file, message: (error as Error).message });
    }
  }
}

function snapshot(users: Map<string, PasswordHash>): HtpasswdSnapshot {
  return { users, decoy: decoyHash(users.values().next().value) };
}

function signature(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}
