import { constants } from 'node:fs';

/**
 * Read-only and without waiting: the open of a FIFO for reading waits for a writer otherwise, in a
 * thread of libuv's pool (four by default, shared by every file-system call, DNS lookup and zlib
 * of the process) or in the event loop itself for a synchronous open. Windows has no O_NONBLOCK,
 * and no FIFO in the file system either.
 *
 * Nor as a controlling terminal: Portico leading a session without one (under systemd, or
 * `setsid`) would otherwise take a terminal put where a file was as its own, and get its hangup's
 * SIGHUP and its job control signals. The terminal is refused after the open, but the open was
 * enough.
 */
export const openFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
