import type { ProcessSpec } from '@portico/worker-actor';

/**
 * How one simulated process behaves, in simulated milliseconds from its spawn. Everything is
 * optional: the default process listens after 10 ms, obeys SIGTERM after 5 ms and never crashes.
 *
 * @example
 * host.define('node', { readyAfter: 50, crashAt: 300, exitCode: 1, stderr: 'boom' });
 */
export interface ProcessScript {
  /** When it starts listening (and, with notify readiness, says READY=1). Default 10. */
  readonly readyAfter?: number;
  /** It never listens: a startup timeout is the only way out. */
  readonly neverListens?: boolean;
  /**
   * When it exits on its own, unasked. Past `readyAfter` it has listened first; a backend that
   * fails at start sets `neverListens` as well (or a `crashAt` below `readyAfter`).
   */
  readonly crashAt?: number;
  /** Its exit code at `crashAt`. Default 1. */
  readonly exitCode?: number;
  /** It ignores SIGTERM and SIGINT: only SIGKILL ends it. */
  readonly ignoresSigterm?: boolean;
  /** How long it takes to exit (with code 0) after SIGTERM. Default 5. */
  readonly stopDelay?: number;
  /** Processes it starts in its group. They ignore SIGTERM and die with SIGKILL to the group. */
  readonly leavesGrandchildren?: number;
  /** Written to stdout at spawn. */
  readonly stdout?: string;
  /** Written to stderr just before it crashes (at `crashAt`). */
  readonly stderr?: string;
  /**
   * How long after it exits the host reports the exit, in ms: the real host waits until its
   * output pipes are read to the end (something it left behind may hold them, up to a minute) and
   * its cgroup is empty. Default 0.
   */
  readonly reportsExitAfter?: number;
  /** It never starts: spawn fails with this message (e.g. `ENOENT`). */
  readonly spawnError?: string;
}

/** What a script function is given, so that, say, the third start behaves differently. */
export interface SpawnContext {
  readonly spec: ProcessSpec;
  /** 1 for the first spawn of this command, 2 for the second, … */
  readonly attempt: number;
  readonly pid: number;
  /** The simulation's seeded random source, in [0, 1). */
  readonly random: () => number;
}

/** A fixed script, or a function choosing one per spawn. */
export type ProcessBehaviour = ProcessScript | ((context: SpawnContext) => ProcessScript);
