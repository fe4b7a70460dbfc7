/**
 * How a pool's stop went: the workers that did not end as asked. Empty when every one exited
 * within its shutdownTimeLimit of SIGTERM (or its stop signal); `portico stop APP` tells the
 * operator so rather than a plain "stopped".
 */
export interface PoolStopReport {
  readonly forced: readonly ForcedStop[];
}

/** One worker stopped by force: `reason` is the supervisor's (`child_stopped`, how `killed`, `timeout` or `brutal`). */
export interface ForcedStop {
  readonly worker: string;
  readonly reason: string;
}
