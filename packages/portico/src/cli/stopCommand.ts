import { waitOptionHelp, waitOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { runAppCommand } from './internal/runAppCommand.ts';

export const stopCommand: Command = {
  name: 'stop',
  summary: 'drain and stop an app until it is started again',
  usage: 'portico stop [-c FILE | -a HOST:PORT] [--timeout SECONDS] APP',
  description:
    'Asks a running Portico (POST /apps/APP/stop on its admin endpoint) to drain APP\'s processes and stop them, within ' +
    'shutdownTimeLimit. Requests to APP then get 503 and do not start it, until portico start APP (or a restart, or a reload that changes it).',
  options: waitOptions,
  optionHelp: waitOptionHelp,
  positionals: true,
  run: (values, positionals, io) => runAppCommand('stop', values, positionals, io),
};
