export { main } from './main.ts';
export { processIo } from './CliIo.ts';
export type { CliIo } from './CliIo.ts';
export { ExitCode } from './ExitCode.ts';
export { commands } from './commands.ts';
export type { Command, OptionHelp } from './Command.ts';
