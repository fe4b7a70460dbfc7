/**
 * The error of an open with `logFileFlags` that met a symbolic link (ELOOP), reworded to say
 * what it means and what to do; any other error is returned as it is. Its code stays ELOOP, so
 * the events that carry a code (`output.capture_failed`) still do.
 */
export function refusedLink(path: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ELOOP') return error;
  return Object.assign(
    new Error(
      `${JSON.stringify(path)} is a symbolic link, and Portico opens no log file through one (whoever may write in its ` +
        'folder could point it at any file Portico may write); remove the link, or give the path of the file itself, ' +
        'in a folder only Portico\'s user may write to',
    ),
    { code: 'ELOOP', path },
  );
}
