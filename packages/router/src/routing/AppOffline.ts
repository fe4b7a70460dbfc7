import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readRegularFile } from '@portico/files';

/**
 * The most of `app_offline.htm` served, and held in memory by each front: a larger file is cut
 * there (a page, not a download; a file of any size must not cost a front its memory).
 */
export const maxOfflinePageBytes = 1024 * 1024;

/**
 * ANCM's `app_offline.htm`: while the file exists in the app's folder, every request gets 503
 * with its content and the app's workers are stopped; removing it lets the next request start
 * the app. The file is watched, not checked per request.
 */
export class AppOffline {
  readonly file: string;
  #content: string | undefined;
  #watcher: FSWatcher | undefined;
  /** Reads started so far: a read applies only if no later one has started (reads finish in any order). */
  #reads = 0;
  readonly #onChange: (offline: boolean) => void;

  constructor(file: string, onChange: (offline: boolean) => void) {
    this.file = file;
    this.#onChange = onChange;
  }

  /** The page to serve while offline, or undefined when the app is online. */
  get content(): string | undefined {
    return this.#content;
  }

  async start(): Promise<void> {
    // Watch first, then read: a file created between the read and the watch would go unseen.
    try {
      this.#watcher = watch(dirname(this.file), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(this.file)) void this.#refresh();
      });
      this.#watcher.on('error', () => {});
    } catch {
      // The folder does not exist: the app cannot be taken offline this way.
    }
    await this.#refresh();
  }

  /** Stops watching; a read still in flight then changes nothing (the route may be gone). */
  close(): void {
    this.#watcher?.close();
    this.#reads++;
  }

  async #refresh(): Promise<void> {
    // A copy in progress is one change event per write, and each starts a read; the thread pool
    // may finish them out of order, and an earlier read (of a file still empty) must not be the
    // page that stays.
    const read = ++this.#reads;
    const content = await readPage(this.file);
    if (read !== this.#reads) return;
    const changed = (content === undefined) !== (this.#content === undefined);
    this.#content = content;
    if (changed) this.#onChange(content !== undefined);
  }
}

/**
 * The page in `file`, its first `maxOfflinePageBytes` at most; undefined when there is no such
 * file (the app is online). A file that exists but cannot be read (a folder of that name, no
 * permission, anything but a regular file) still takes the app offline, with an empty page: the
 * operator meant it offline. It is read by `readRegularFile`, without waiting: a FIFO of that name
 * would otherwise hold a thread of libuv's pool until someone wrote to it, and four of them every
 * file-system call of the process. Sized by the file as it is now: a file still growing is read
 * again at its next change.
 */
async function readPage(file: string): Promise<string | undefined> {
  const read = await readRegularFile(file, maxOfflinePageBytes, { cut: true });
  if ('bytes' in read) return read.bytes.toString('utf8');
  return read.code === 'ENOENT' || read.code === 'ENOTDIR' ? undefined : '';
}
