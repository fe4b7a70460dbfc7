import type { ExitCode } from './ExitCode.ts';

/**
 * A command that could not do what was asked for a reason outside Portico (nothing answers, the
 * app does not exist, the reload was refused): printed as `portico <command>: <message>` with
 * its exit status, without a stack. Not a coded error: it never leaves the CLI.
 */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}
