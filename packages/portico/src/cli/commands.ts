import { checkCommand } from './checkCommand.ts';
import type { Command } from './Command.ts';
import { logsCommand } from './logsCommand.ts';
import { reloadCommand } from './reloadCommand.ts';
import { startCommand } from './startCommand.ts';
import { statusCommand } from './statusCommand.ts';

/** Every `portico` subcommand, in the order `portico --help` lists them. */
export const commands: readonly Command[] = [checkCommand, startCommand, statusCommand, reloadCommand, logsCommand];
