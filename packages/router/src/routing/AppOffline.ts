import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

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
    const content = await readFile(this.file, 'utf8').catch(() => undefined);
    if (read !== this.#reads) return;
    const changed = (content === undefined) !== (this.#content === undefined);
    this.#content = content;
    if (changed) this.#onChange(content !== undefined);
  }
}
