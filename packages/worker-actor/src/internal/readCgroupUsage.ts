import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessUsage } from '../ProcessUsage.ts';
import { readOne, ticksPerSecond } from './readProcessTree.ts';

/** A cgroup this full is a fork bomb, not a worker: count no further rather than spend the loop on it. */
const maxProcesses = 4096;

/**
 * What the processes of the worker's cgroup v2 `path` cost now: every process in `cgroup.procs`
 * (however it detached itself), CPU from `cpu.stat`'s `usage_usec` and memory from
 * `memory.current` when the cgroup has them, else the sums of its processes' `/proc` figures; file
 * descriptors always from `/proc`. `undefined` when the cgroup is gone or empty (the worker ended):
 * the caller reads the process tree instead.
 */
export function readCgroupUsage(path: string, procRoot = '/proc'): ProcessUsage | undefined {
  const procs = readText(join(path, 'cgroup.procs'));
  if (procs === undefined) return undefined;
  const pids = procs.split('\n').filter(Boolean).map(Number).slice(0, maxProcesses);
  if (pids.length === 0) return undefined;
  const usageUsec = /^usage_usec (\d+)$/m.exec(readText(join(path, 'cpu.stat')) ?? '')?.[1];
  const current = readText(join(path, 'memory.current'))?.trim();
  const memoryCurrent = current !== undefined && /^\d+$/.test(current) ? Number(current) : undefined;
  let ticks = 0;
  let resident = 0;
  let fds = 0;
  let processes = 0;
  for (const pid of pids) {
    const one = readOne(pid, procRoot);
    if (!one) continue; // ended since cgroup.procs was read
    ticks += one.cpuTicks;
    resident += one.memoryBytes;
    fds += one.fds;
    processes++;
  }
  if (processes === 0) return undefined;
  return {
    cpuSeconds: usageUsec === undefined ? ticks / ticksPerSecond : Number(usageUsec) / 1e6,
    memoryBytes: memoryCurrent ?? resident,
    fds,
    processes,
    source: { processes: 'cgroup', cpu: usageUsec === undefined ? 'proc' : 'cgroup', memory: memoryCurrent === undefined ? 'proc' : 'cgroup' },
  };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}
