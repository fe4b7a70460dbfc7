/**
 * What one worker's process tree costs, read at one moment: the worker's process and every process
 * below it (a gunicorn master and its workers are one Portico worker).
 */
export interface ProcessUsage {
  /**
   * User plus system CPU time, in seconds, of the live processes of the tree and of the children
   * they have waited for (`cutime` + `cstime`). A child that died without being waited for and
   * was re-parented away stops counting, so the figure can, rarely, fall.
   */
  readonly cpuSeconds: number;
  /** Resident memory (`VmRSS`) summed over the tree, in bytes. Pages shared between its processes count once per process, as `ps` counts them. */
  readonly memoryBytes: number;
  /** Open file descriptors summed over the tree. */
  readonly fds: number;
  /** Processes in the tree, the worker's own included. */
  readonly processes: number;
}
