import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second, the unit of /proc's CPU times. */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * Seconds of CPU (every thread) `pid` has used so far, in user space and in the kernel, from
 * /proc/<pid>/stat: unlike wall time, hardly moved by what else the machine runs.
 */
export function cpuSecondsOf(pid: number): { readonly user: number; readonly kernel: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / ticksPerSecond, kernel: Number(fields[12]) / ticksPerSecond };
}

/** Read calls `pid` has made so far (sockets, pipes and files alike), from /proc/<pid>/io. */
export function readCallsOf(pid: number): number {
  return Number(/^syscr:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'))?.[1] ?? NaN);
}

const statusBytes = (pid: number, field: string): number => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? NaN) * 1024;

/** `pid`'s resident memory now, in bytes. */
export const residentBytesOf = (pid: number): number => statusBytes(pid, 'VmRSS');

/**
 * `pid`'s peak resident memory since the last `resetPeakResident(pid)`, in bytes: the kernel keeps
 * it, so no peak between two samples is missed.
 */
export const peakResidentBytesOf = (pid: number): number => statusBytes(pid, 'VmHWM');

/** Starts a new peak for `peakResidentBytesOf` at `pid`'s resident memory now (Linux 4.0: clear_refs 5). */
export function resetPeakResident(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
