import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import type { Clock } from '@portico/supervisor';

/** A change is acted on once the files have been quiet this long: an editor's save or a deploy's copy is one restart. */
export const watchDebounceMs = 500;

/** Folders whose changes are ignored unless a watched path names them (PM2's ignore_watch default). */
const ignored = ['node_modules', '.git'];

/**
 * Watches an app's `watchedFiles` (files or folders, relative to its working directory; folders
 * with everything below them) and calls `onChange` with the changed paths once they have been
 * quiet for `watchDebounceMs`. Changes below `node_modules` or `.git` count only when the watched
 * path itself names them. Returns a function that stops watching, and the paths that could not be
 * watched (not there), which the caller reports.
 */
export function watchAppFiles(
  workingDirectory: string,
  paths: readonly string[],
  clock: Clock,
  onChange: (changed: readonly string[]) => void,
): { readonly close: () => void; readonly unwatched: readonly string[] } {
  const unwatched: string[] = [];
  const watchers: FSWatcher[] = [];
  let pending = new Set<string>();
  let timer: unknown;
  for (const path of paths) {
    const full = isAbsolute(path) ? path : join(workingDirectory, path);
    const namesIgnored = ignored.some((name) => full.split(sep).includes(name));
    // A file is watched through its folder, by name: a watch on the file follows its inode, and
    // after one atomic save (a rename over it, as editors and deploy tools write) saw nothing more.
    let file = false;
    try {
      file = statSync(full).isFile();
    } catch {
      // Not there: the watch below says so.
    }
    let watcher: FSWatcher;
    try {
      watcher = file ? watch(dirname(full), { persistent: false }) : watch(full, { recursive: true, persistent: false });
    } catch (error) {
      unwatched.push(`${full} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    watcher.on('error', () => {});
    watcher.on('change', (_event, changedName) => {
      const name = changedName === null ? '' : String(changedName);
      if (file) {
        if (name !== basename(full)) return;
      } else if (!namesIgnored && name.split(sep).some((part) => ignored.includes(part))) return;
      pending.add(file || !name ? full : join(full, name));
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = clock.setTimeout(() => {
        timer = undefined;
        const changed = [...pending];
        pending = new Set();
        onChange(changed);
      }, watchDebounceMs);
    });
    watchers.push(watcher);
  }
  const close = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
  return { close, unwatched };
}
