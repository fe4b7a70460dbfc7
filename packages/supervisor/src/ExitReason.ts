/**
 * Why a child stopped, in OTP's three classes: `normal` (it finished: a final state), `shutdown`
 * (it finished because it was told to, or said so: output `{ exit: 'shutdown' }`), and `crash`
 * (an error: a thrown exception, a failed start, a process that died unasked).
 */
export type ExitReason =
  | { readonly kind: 'normal'; readonly output?: unknown }
  | { readonly kind: 'shutdown'; readonly reason?: string; readonly killed?: true }
  | { readonly kind: 'crash'; readonly error: unknown };

/** The output a child gives (as its final state's output) to say it exited with `shutdown`. */
export interface ShutdownOutput {
  readonly exit: 'shutdown';
  readonly reason?: string;
  /** True when it could end only by killing what it ran (a backend that ignored SIGTERM); `reason` says why. */
  readonly killed?: boolean;
  /** When it ended, if before it could say so: see `CrashOutput.exitedAt`. */
  readonly exitedAt?: number;
}

/**
 * The output a child gives to say it crashed, as an alternative to failing with an error: the
 * actor ends cleanly (its invoked actors are stopped, its emitted events delivered) and the
 * supervisor still counts a crash.
 */
export interface CrashOutput {
  readonly exit: 'crash';
  readonly error: unknown;
  /**
   * When it ended, by the supervisor's clock (`Clock.now()`), if that was before the actor could
   * say so: a worker's process exits, and the worker ends once the process's output is on disk.
   * The supervisor dates the exit then, not when it heard of it: `lastExit.at`, the uptime, the
   * backoff's reset and the restart intensity all use it, so exits reported late are not spread
   * out of the intensity's window. A time before the child started or after now counts as those.
   */
  readonly exitedAt?: number;
}

/**
 * Classifies a child's final output: `{ exit: 'shutdown' }` is a shutdown, `{ exit: 'crash',
 * error }` a crash, anything else normal.
 */
export function exitFromOutput(output: unknown): ExitReason {
  const exit = typeof output === 'object' && output !== null ? (output as { exit?: unknown }).exit : undefined;
  if (exit === 'shutdown') {
    const { reason, killed } = output as ShutdownOutput;
    return { kind: 'shutdown', ...(reason === undefined ? {} : { reason }), ...(killed === true ? { killed } : {}) };
  }
  if (exit === 'crash') return { kind: 'crash', error: (output as CrashOutput).error };
  return output === undefined ? { kind: 'normal' } : { kind: 'normal', output };
}

/** The `exitedAt` of a shutdown or crash output, if it gives one (a number). */
export function exitTimeOf(output: unknown): number | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const { exit, exitedAt } = output as { exit?: unknown; exitedAt?: unknown };
  return (exit === 'shutdown' || exit === 'crash') && typeof exitedAt === 'number' && Number.isFinite(exitedAt) ? exitedAt : undefined;
}

/** A short human-readable form, for logs and status pages. */
export function describeExit(exit: ExitReason): string {
  switch (exit.kind) {
    case 'normal':
      return 'normal';
    case 'shutdown':
      return `${exit.killed ? 'shutdown, killed' : 'shutdown'}${exit.reason ? ` (${exit.reason})` : ''}`;
    case 'crash':
      return `crash: ${exit.error instanceof Error ? exit.error.message : String(exit.error)}`;
  }
}
