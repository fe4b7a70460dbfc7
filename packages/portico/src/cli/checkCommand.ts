import { resolve } from 'node:path';
import { spawnVariableNotes } from './internal/spawnVariableNotes.ts';
import type { Command } from './Command.ts';
import { ExitCode } from './ExitCode.ts';
import { loadConfigOrSay } from './internal/loadConfigOrSay.ts';
import { UsageError } from './UsageError.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: 'validate a config file and print it resolved',
  usage: 'portico check FILE | portico check -c FILE',
  description:
    'Loads FILE (.json, .yaml or .yml) as `portico start` would: expands environment variables, applies defaults, ' +
    'resolves relative paths against the file\'s folder and checks every key, file and rule. On success it prints the ' +
    'resolved config as JSON on stdout and exits 0; otherwise it prints every problem on stderr, one per line, and exits 1.',
  options: { config: { type: 'string', short: 'c' } },
  optionHelp: [{ flags: '-c, --config FILE', text: 'the config file to check (or give FILE alone)' }],
  positionals: true,
  async run(values, positionals, io) {
    const file = configFileOf(values['config'], positionals);
    const config = await loadConfigOrSay(resolve(io.cwd, file), io);
    if (!config) return ExitCode.configInvalid;
    io.stdout(`${JSON.stringify(config, null, 2)}\n`);
    for (const note of spawnVariableNotes(config)) io.stderr(`${note}\n`);
    io.stderr(`${file}: valid (${config.listen.length} listener${config.listen.length === 1 ? '' : 's'}, ${config.apps.length} app${config.apps.length === 1 ? '' : 's'})\n`);
    return ExitCode.ok;
  },
};

/** `portico check FILE` or `portico check -c FILE`: one file, named once. */
function configFileOf(option: string | boolean | undefined, positionals: readonly string[]): string {
  if (positionals.length > 1) throw new UsageError(`check takes one config file, got ${positionals.length}: ${positionals.join(' ')}`);
  if (typeof option === 'string' && positionals.length === 1) throw new UsageError(`give the config file once: portico check ${positionals[0]} or portico check -c ${option}`);
  const file = typeof option === 'string' ? option : positionals[0];
  if (file === undefined || file === '') throw new UsageError('check needs a config file: portico check FILE');
  return file;
}
