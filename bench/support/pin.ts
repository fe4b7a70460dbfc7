import { execFileSync } from 'node:child_process';

/**
 * Moves each process, every thread of it (libuv's pool, V8's helpers), to `cpu` (`0`, or a list
 * such as `0,1`) with taskset, so the whole process stays there.
 */
export function pin(cpu: number | string, pids: readonly number[]): void {
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}
