import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readRegularFile } from '@portico/files';
import { maxConfigBytes } from '../../internal/config/readConfigFile.ts';
import { watchDebounceMs } from '../../runtime/watchAppFiles.ts';

/**
 * Calls `onChange` when the content of the config `file` changes (`watch: true`), however the
 * change was made: written in place, replaced by a rename (vim, `sed -i`, Ansible, every editor's
 * atomic save), deleted and written again, or a symlink in its folder pointed elsewhere (a
 * Kubernetes ConfigMap). A watch on the file alone follows its inode, so it saw the first rename
 * and then nothing: the folder is watched too, and the file's watch is made again after each
 * change. A change is acted on once the file has been quiet for `watchDebounceMs`, so an editor's
 * save is one reload and a half-written file is not read; only a content different from the last
 * one seen counts, and a file that is gone is waited out, the running config staying in force. A
 * file swapped for one that is no config (a FIFO, a device, a folder, a huge file, one Portico may
 * not read) is read without waiting and not past its size (`readRegularFile`), and its reload is
 * asked for once: the load refuses it and says why (`config.reload_failed`), as a SIGHUP's would.
 * (Read with readFile, a FIFO held a thread of libuv's pool for good, and four of them every
 * file-system call of Portico.) In the folder only the file's own name counts, and the names
 * Kubernetes swaps a ConfigMap's files in by (`..data`, `..2026_…`): a file written there more
 * often than `watchDebounceMs` (an app's log, a busy /tmp) put every reload off for as long as it
 * was written. Returns a function that stops watching.
 */
export function watchConfigFile(file: string, onChange: () => void): () => void {
  // The bytes last read, or the problem that kept the file from being read. Unknown until the
  // first change: that one reloads even if the content is the one loaded, since a change made
  // between the load and the watch must not be missed.
  let last: Buffer | string | undefined;
  let fileWatcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, watchDebounceMs).unref();
  };
  const watchFile = () => {
    fileWatcher?.close();
    fileWatcher = undefined;
    try {
      fileWatcher = watch(file, { persistent: false }, changed);
      fileWatcher.on('error', () => {});
    } catch {
      // Not there now (deleted, or a rename under way): the folder's watch sees it come back.
    }
  };
  const check = () => {
    timer = undefined;
    watchFile();
    void readRegularFile(file, maxConfigBytes).then((read) => {
      // Gone: a rename or a delete under way, which the folder's watch sees end.
      if (closed || ('code' in read && read.code === 'ENOENT')) return;
      const seen = 'problem' in read ? read.problem : read.bytes;
      if (last !== undefined && (typeof seen === 'string' ? seen === last : typeof last !== 'string' && seen.equals(last))) return;
      last = seen;
      onChange();
    });
  };
  const name = basename(file);
  const folderWatcher = watch(dirname(file), { persistent: false }, (_event, changedName) => {
    // Null where the platform does not say which name changed.
    if (changedName === null || changedName === name || changedName.startsWith('..')) changed();
  });
  folderWatcher.on('error', () => {});
  watchFile();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    fileWatcher?.close();
    folderWatcher.close();
  };
}
