import { readFileSync } from 'node:fs';

/**
 * How many times the processes' main threads (an event loop; an nginx worker) have been put on a
 * CPU so far, from /proc/PID/schedstat: each wake-up from a wait counts, and each return after
 * being preempted. Per message it says whether a process serves many messages per wake-up (busy)
 * or sleeps and wakes for each few (and pays its loop's cost of a wake-up for each).
 */
export function wakeUps(pids: readonly number[]): number {
  let count = 0;
  for (const pid of pids) count += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ')[2]);
  return count;
}
