import { readdirSync, readFileSync } from 'node:fs';
import type { ProcessUsage } from '../ProcessUsage.ts';

/**
 * Clock ticks per second of `/proc/PID/stat`'s CPU fields (`sysconf(_SC_CLK_TCK)`). Node cannot
 * call sysconf; USER_HZ is part of the kernel's ABI and 100 on every architecture Linux runs Node
 * on (proc(5); pidusage asks `getconf CLK_TCK` and gets 100 too).
 */
export const ticksPerSecond = 100;

/** A tree this deep or wide is a fork bomb, not a worker: stop counting rather than spend the loop on it. */
const maxProcesses = 4096;

/** Whether this system has a `/proc` to read (Linux); macOS has none. */
export function procAvailable(procRoot = '/proc'): boolean {
  try {
    readFileSync(`${procRoot}/self/stat`);
    return true;
  } catch {
    return false;
  }
}

/**
 * What `rootPid` and every process below it cost now, read from `/proc` (proc(5)): CPU from
 * `stat`, resident memory from `status`, file descriptors from `fd/`, and the children of each
 * from `task/TID/children` (of every thread, since any thread may fork). `undefined` when the
 * root process is gone. Synchronous on purpose: a few small reads per process cost less CPU than
 * the same reads through the thread pool, and bench/resource-sampling.bench.ts holds the cost.
 */
export function readProcessTree(rootPid: number, procRoot = '/proc'): ProcessUsage | undefined {
  const root = readOne(rootPid, procRoot);
  if (!root) return undefined;
  let cpuSeconds = 0;
  let memoryBytes = 0;
  let fds = 0;
  let processes = 0;
  const seen = new Set<number>();
  const queue: number[] = [rootPid];
  for (let i = 0; i < queue.length && processes < maxProcesses; i++) {
    const pid = queue[i]!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const one = pid === rootPid ? root : readOne(pid, procRoot);
    if (!one) continue; // ended between the parent's children list and now
    cpuSeconds += one.cpuTicks / ticksPerSecond;
    memoryBytes += one.memoryBytes;
    fds += one.fds;
    processes++;
    for (const child of childrenOf(pid, procRoot)) queue.push(child);
  }
  return { cpuSeconds, memoryBytes, fds, processes, source: { processes: 'tree', cpu: 'proc', memory: 'proc' } };
}

export interface OneProcess {
  readonly cpuTicks: number;
  readonly memoryBytes: number;
  readonly fds: number;
}

/** One process's CPU ticks (its waited-for children's included), resident bytes and fds; `undefined` once it is gone. */
export function readOne(pid: number, procRoot = '/proc'): OneProcess | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // `comm` (field 2) is in parentheses and may hold spaces and ')': split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17.
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  const cpuTicks = Number.isFinite(ticks) ? ticks : 0;
  // A zombie holds no memory and no fds, but its time reaches its parent's cutime only once
  // reaped: left out meanwhile, the tree's CPU seconds would fall and rise again.
  if (fields[0] === 'Z') return { cpuTicks, memoryBytes: 0, fds: 0 };
  return { cpuTicks, memoryBytes: residentBytes(pid, procRoot), fds: fdCount(pid, procRoot) };
}

/** `VmRSS` of `status`, in bytes (kB there, whatever the page size); 0 for a kernel thread or a process just gone. */
function residentBytes(pid: number, procRoot: string): number {
  let status: string;
  try {
    status = readFileSync(`${procRoot}/${pid}/status`, 'latin1');
  } catch {
    return 0;
  }
  const at = status.indexOf('VmRSS:');
  if (at < 0) return 0;
  const kb = Number.parseInt(status.slice(at + 6).trimStart(), 10);
  return Number.isFinite(kb) ? kb * 1024 : 0;
}

function fdCount(pid: number, procRoot: string): number {
  try {
    return readdirSync(`${procRoot}/${pid}/fd`).length;
  } catch {
    // Another user's process (a backend that changed its uid): its fds cannot be listed.
    return 0;
  }
}

function childrenOf(pid: number, procRoot: string): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`${procRoot}/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    let list: string;
    try {
      list = readFileSync(`${procRoot}/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const word of list.split(' ')) {
      const child = Number.parseInt(word, 10);
      if (child > 0) children.push(child);
    }
  }
  return children;
}
