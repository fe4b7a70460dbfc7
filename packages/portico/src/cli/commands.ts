import { checkCommand } from './checkCommand.ts';
import { startCommand } from './startCommand.ts';
import type { Command } from './Command.ts';
import { unavailableCommand } from './unavailableCommand.ts';

const config = { config: { type: 'string', short: 'c' } } as const;
const configHelp = { flags: '-c, --config FILE', text: 'the config file (required)' };
const admin = { admin: { type: 'string', short: 'a' } } as const;
const adminHelp = { flags: '-a, --admin HOST:PORT', text: 'the admin endpoint; default: the `admin` of the file given with -c' };

/** Every `portico` subcommand, in the order `portico --help` lists them. */
export const commands: readonly Command[] = [
  checkCommand,
  startCommand,
  unavailableCommand({
    name: 'status',
    summary: 'show the apps and their processes',
    usage: 'portico status [-c FILE | -a HOST:PORT] [APP]',
    description: 'Asks a running Portico for the state of every app, or of APP: its processes, their pids, restarts and last exit.',
    options: { ...config, ...admin },
    optionHelp: [configHelp, adminHelp],
    positionals: true,
    missing: 'the admin endpoint\'s status API',
  }),
  unavailableCommand({
    name: 'reload',
    summary: 'load the config again without dropping requests',
    usage: 'portico reload [-c FILE | -a HOST:PORT]',
    description: 'Asks a running Portico to load its config file again. Apps whose settings changed are restarted by starting new processes before draining the old ones; a config with problems is refused and the running one kept.',
    options: { ...config, ...admin },
    optionHelp: [configHelp, adminHelp],
    missing: 'the admin endpoint\'s reload API',
  }),
  unavailableCommand({
    name: 'logs',
    summary: 'print the output of an app\'s processes',
    usage: 'portico logs [-c FILE | -a HOST:PORT] [-f] APP',
    description: 'Prints the in-memory tail of what APP\'s processes wrote to stdout and stderr; with -f, keeps printing.',
    options: { ...config, ...admin, follow: { type: 'boolean', short: 'f' } },
    optionHelp: [configHelp, adminHelp, { flags: '-f, --follow', text: 'keep printing new output' }],
    positionals: true,
    missing: 'the admin endpoint\'s log tail API',
  }),
];
