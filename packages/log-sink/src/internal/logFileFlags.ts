import { constants } from 'node:fs';

/**
 * Never through a symbolic link at the last component: Portico often runs as root, and whoever may
 * write in a log folder could otherwise plant a link where Portico opens (or rotates to, or
 * compresses into) a log file, and have Portico append to or truncate the link's target
 * (/etc/shadow, a unit file). The open fails with ELOOP instead; `refusedLink` says so.
 *
 * Nor as a controlling terminal (as the files package opens backends' files): a Portico leading a
 * session without one (under systemd, or `setsid`) would take a terminal put where a log file
 * was as its own, and get its hangup's SIGHUP and its job control signals.
 *
 * Windows has neither flag; its links are not planted by unprivileged users by default.
 */
const guarded = (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

/** How each log file is opened: the numbers stand for 'a', 'a+', 'w' and 'r'. */
export const logFileFlags = {
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | guarded,
  appendAndRead: constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | guarded,
  replace: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | guarded,
  read: constants.O_RDONLY | guarded,
} as const;
