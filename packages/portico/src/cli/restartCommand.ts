import { waitOptionHelp, waitOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { runAppCommand } from './internal/runAppCommand.ts';

export const restartCommand: Command = {
  name: 'restart',
  summary: 'roll an app over to new processes without dropping requests',
  usage: 'portico restart [-c FILE | -a HOST:PORT] [--timeout SECONDS] APP',
  description:
    'Asks a running Portico (POST /apps/APP/restart on its admin endpoint) to start new processes for APP beside the old ones, ' +
    'move traffic to them once every one is ready, and drain the old ones. Ends a failed state or a stop at once. Prints what ' +
    'it did and exits 0; if the new processes do not start, the old ones keep serving, the reason is printed on stderr and the exit status is 1.',
  options: waitOptions,
  optionHelp: waitOptionHelp,
  positionals: true,
  run: (values, positionals, io) => runAppCommand('restart', values, positionals, io),
};
