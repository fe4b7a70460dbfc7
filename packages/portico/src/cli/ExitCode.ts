/** The exit statuses of `portico`, documented in docs/cli.md. Scripts may rely on them. */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** The config has problems (`check`), the running Portico refused it (`reload`), or there is no such app (`status`, `logs`). */
  configInvalid: 1,
  /** The command line is wrong (unknown command or option, missing value), or no admin endpoint is named. */
  usage: 2,
  /** Nothing answers at the admin endpoint, or it answered unexpectedly (BSD `EX_UNAVAILABLE`). */
  unavailable: 69,
  /** A bug in Portico: an unexpected error, printed with its stack (BSD `EX_SOFTWARE`). */
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
