import type { Command, OptionHelp, ParseArgsOptionsConfig } from './Command.ts';
import { ExitCode } from './ExitCode.ts';

export interface UnavailableCommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly description: string;
  readonly options: ParseArgsOptionsConfig;
  readonly optionHelp: readonly OptionHelp[];
  readonly positionals?: boolean;
  /** What has to exist before the command can work; printed after "not available yet: ". */
  readonly missing: string;
}

/** A command whose options and help are settled but whose runtime is not built yet: it says what is missing and exits 2. */
export function unavailableCommand(spec: UnavailableCommandSpec): Command {
  const { missing, ...command } = spec;
  return {
    ...command,
    async run(_values, _positionals, io) {
      io.stderr(`portico ${spec.name}: not available yet: ${missing}\n`);
      return ExitCode.usage;
    },
  };
}
