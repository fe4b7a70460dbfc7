import type { ParseArgsConfig } from 'node:util';

export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import type { CliIo } from './CliIo.ts';
import type { ExitCode } from './ExitCode.ts';

/** The help text of one option. */
export interface OptionHelp {
  readonly flags: string;
  readonly text: string;
}

/** One `portico` subcommand: its options for `parseArgs`, its help, and what it does. */
export interface Command {
  readonly name: string;
  /** One line for the command table. */
  readonly summary: string;
  /** `portico check -c FILE` */
  readonly usage: string;
  /** Paragraphs after the usage line. */
  readonly description: string;
  readonly options: ParseArgsOptionsConfig;
  readonly optionHelp: readonly OptionHelp[];
  /** Whether positional arguments are accepted. */
  readonly positionals?: boolean;
  readonly run: (values: Readonly<Record<string, string | boolean | undefined>>, positionals: readonly string[], io: CliIo) => Promise<ExitCode>;
}
