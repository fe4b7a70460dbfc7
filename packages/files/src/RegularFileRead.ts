import type { Stats } from 'node:fs';

/**
 * What `readRegularFile` found: the file's bytes and its `fstat` (what was read, not what the path
 * names a moment later), or why it was not read. `problem` is said of the
 * file and is meant to follow its name (`portico.json: is a FIFO (named pipe), not a regular
 * file`); `code` is the errno of a failed open or read (`ENOENT`, `EACCES`, `ELOOP`…), or
 * `ENOTREGULAR` for a file that is no regular file and `ETOOBIG` for one past the bound.
 */
export type RegularFileRead = { readonly bytes: Buffer; readonly stats: Stats } | { readonly problem: string; readonly code: string };
