/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Whether stdout is a terminal: `status -w` redraws in place there. Default false. */
  readonly isTerminal?: boolean;
  /**
   * Aborted when the user asks a command that runs until interrupted (`status -w`) to end.
   * Absent: SIGINT (Ctrl-C) and SIGTERM, listened to only while such a command runs.
   */
  readonly interrupt?: AbortSignal;
}

/**
 * The real process's streams, environment and working directory. A reader of stdout that goes
 * away (`portico logs -f | head`, `status -w | less` quit) ends the command quietly with exit 0,
 * as the end of its output: Node ignores SIGPIPE, so the next write failed with EPIPE, an
 * unhandled error that printed a stack and exited 1. A stderr that fails has no one to tell.
 *
 * SIGUSR1 is ignored by every command: Node's own handler opens its inspector on
 * 127.0.0.1:9229, where any local user could run code as the operator in a `logs -f` or
 * `status -w` left running (`start` also logs `portico.signal_ignored`). SIGHUP keeps Node's
 * default, the end of the process, as the end of a terminal ends `tail -f`; a listener would
 * override the SIG_IGN that `nohup` leaves.
 */
export function processIo(): CliIo {
  process.on('SIGUSR1', () => {});
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  process.stderr.on('error', () => {});
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTerminal: process.stdout.isTTY === true,
  };
}
