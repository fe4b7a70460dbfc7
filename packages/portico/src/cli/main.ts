import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { didYouMean } from '../internal/config/didYouMean.ts';
import type { CliIo } from './CliIo.ts';
import { CommandFailure } from './CommandFailure.ts';
import { commands } from './commands.ts';
import { ExitCode } from './ExitCode.ts';
import { commandHelp, generalHelp } from './help.ts';
import { UsageError } from './UsageError.ts';

/**
 * Portico's version, from the package's own manifest: the nearest package.json above this file,
 * which is `../../` from `src/cli/` and `../../../` from `dist/src/cli/` (a packed tarball has no
 * `dist/package.json`).
 */
function version(): string {
  for (let up = new URL('../', import.meta.url); ; up = new URL('../', up)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', up), 'utf8')) as { version: string }).version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || up.pathname === '/') throw error;
    }
  }
}

/**
 * Runs `portico` with the arguments after the program name and returns the exit status
 * (docs/cli.md). Never throws: a usage error is printed with a pointer to `--help`, a bug with
 * its stack.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), processIo());
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(generalHelp(commands));
    return ExitCode.usage;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const command = commands.find((c) => c.name === topic);
    if (topic !== undefined && !command) return usage(io, new UsageError(unknownCommand(topic)));
    io.stdout(command ? commandHelp(command) : generalHelp(commands));
    return ExitCode.ok;
  }
  if (first === '--version') {
    io.stdout(`${version()}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) return usage(io, new UsageError(unknownCommand(first)));
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    if ((values as Record<string, unknown>)['help'] === true) {
      io.stdout(commandHelp(command));
      return ExitCode.ok;
    }
    return await command.run(values as Record<string, string | boolean | undefined>, positionals, io);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error, command.name);
    if (error instanceof CommandFailure) {
      io.stderr(`portico ${command.name}: ${error.message}\n`);
      return error.exitCode;
    }
    // parseArgs reports an unknown option or a missing value as a TypeError with an ERR_PARSE_ARGS_ code.
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS_')) return usage(io, new UsageError((error as Error).message), command.name);
    io.stderr(`portico ${command.name}: internal error, please report it:\n${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.internal;
  }
}

function unknownCommand(name: string): string {
  const suggestion = didYouMean(name, commands.map((c) => c.name));
  return `unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
}

function usage(io: CliIo, error: UsageError, command?: string): ExitCode {
  io.stderr(`portico${command ? ` ${command}` : ''}: ${error.message}\nRun "portico ${command ? `${command} ` : ''}--help" for usage.\n`);
  return ExitCode.usage;
}
