/** The exit statuses of `portico`, documented in docs/cli.md. Scripts may rely on them. */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** The config has problems (`check`); they are listed on stderr. */
  configInvalid: 1,
  /** The command line is wrong (unknown command or option, missing value), or the command is not available yet. */
  usage: 2,
  /** A bug in Portico: an unexpected error, printed with its stack (BSD `EX_SOFTWARE`). */
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
