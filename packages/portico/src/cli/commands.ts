import { checkCommand } from './checkCommand.ts';
import type { Command } from './Command.ts';
import { initCommand } from './initCommand.ts';
import { logsCommand } from './logsCommand.ts';
import { reloadCommand } from './reloadCommand.ts';
import { restartCommand } from './restartCommand.ts';
import { serviceCommand } from './serviceCommand.ts';
import { startCommand } from './startCommand.ts';
import { statusCommand } from './statusCommand.ts';
import { stopCommand } from './stopCommand.ts';

/** Every `portico` subcommand, in the order `portico --help` lists them. */
export const commands: readonly Command[] = [initCommand, checkCommand, startCommand, statusCommand, reloadCommand, restartCommand, stopCommand, logsCommand, serviceCommand];
