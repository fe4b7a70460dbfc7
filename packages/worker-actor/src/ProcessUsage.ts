/**
 * Where each figure of a `ProcessUsage` was read. A worker in a cgroup of its own is counted from
 * it: its processes from `cgroup.procs` (a daemonised grandchild, re-parented away from the
 * backend, included), CPU from `cpu.stat` (the cgroup core's, there without any controller) and
 * memory from `memory.current` where the memory controller is enabled for it. Otherwise from
 * `/proc`: the process tree below the worker's process, and the sums of its processes' figures.
 */
export interface UsageSource {
  readonly processes: 'cgroup' | 'tree';
  readonly cpu: 'cgroup' | 'proc';
  readonly memory: 'cgroup' | 'proc';
}

/**
 * What one worker's process tree costs, read at one moment: the worker's process and every process
 * below it (a gunicorn master and its workers are one Portico worker), or every process of its
 * cgroup (`source`).
 */
export interface ProcessUsage {
  /**
   * User plus system CPU time, in seconds. From `/proc`: of the live processes of the tree and of
   * the children they have waited for (`cutime` + `cstime`); a child that died without being
   * waited for and was re-parented away stops counting, so the figure can, rarely, fall. From the
   * cgroup (`cpu.stat` `usage_usec`): of every process that ever ran in it, never falling.
   */
  readonly cpuSeconds: number;
  /**
   * Resident memory in bytes. From `/proc`: `VmRSS` summed over the processes (pages shared
   * between them count once per process, as `ps` counts them). From the cgroup: `memory.current`,
   * the memory charged to it, page cache included (what systemd and Kubernetes show).
   */
  readonly memoryBytes: number;
  /** Open file descriptors summed over the processes. */
  readonly fds: number;
  /** Processes counted, the worker's own included. */
  readonly processes: number;
  /** Where the figures were read; absent from a host that does not say. */
  readonly source?: UsageSource;
}
