import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of /proc's CPU times. */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * Milliseconds of CPU (user and system, every thread) the processes have used so far, from
 * /proc/<pid>/stat. Unlike req/s, CPU per request hardly moves with what else the machine runs.
 */
export function cpuMs(pids: readonly number[]): number {
  const { user, system } = cpuSplitMs(pids);
  return user + system;
}

/** As `cpuMs`, in user space and in the kernel apart. */
export function cpuSplitMs(pids: readonly number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    user += Number(fields[11]);
    system += Number(fields[12]);
  }
  return { user: (user * 1000) / ticksPerSecond, system: (system * 1000) / ticksPerSecond };
}

/** The direct children of a process (an nginx master's workers). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Milliseconds the processes' main threads have spent runnable but waiting for a CPU so far
 * (the second field of /proc/<pid>/task/<pid>/schedstat, kernel with schedstats). A proxy's
 * latency holds every such wait: on a shared machine they, not the proxy, can set the tail, and
 * the bench prints them beside each p99 so a disturbed run shows. `undefined` where the kernel
 * keeps no schedstat.
 */
export function runQueueMs(pids: readonly number[]): number | undefined {
  let waited = 0;
  for (const pid of pids) {
    let schedstat: string;
    try {
      schedstat = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8');
    } catch {
      return undefined;
    }
    waited += Number(schedstat.split(' ')[1]) / 1e6;
  }
  return waited;
}
