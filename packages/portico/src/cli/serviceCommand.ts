import { realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './Command.ts';
import { ExitCode } from './ExitCode.ts';
import { loadConfigOrSay } from './internal/loadConfigOrSay.ts';
import { systemdUnit } from './internal/systemdUnit.ts';
import { UsageError } from './UsageError.ts';

export const serviceCommand: Command = {
  name: 'service',
  summary: 'print a systemd unit that runs this config',
  usage: 'portico service FILE | portico service -c FILE [--user USER] [--name NAME]',
  description:
    'Checks FILE as portico check does and prints a systemd service unit on stdout that runs portico start -c FILE with this ' +
    'node and this Portico, as USER (default: you), with the PATH you run it with, a stop timeout above the longest ' +
    'shutdownTimeLimit, and a reload over the admin endpoint when FILE has one. How to install it is printed on stderr.',
  options: { config: { type: 'string', short: 'c' }, user: { type: 'string' }, name: { type: 'string' } },
  optionHelp: [
    { flags: '-c, --config FILE', text: 'the config the service runs (or give FILE alone)' },
    { flags: '--user USER', text: 'the user the service runs as (default: the one running this command)' },
    { flags: '--name NAME', text: 'the unit\'s name in the install hint (default portico-<file name>, or portico-<folder> for portico.yaml)' },
  ],
  positionals: true,
  async run(values, positionals, io) {
    const given = typeof values['config'] === 'string' ? values['config'] : positionals[0];
    if (given === undefined || given === '' || positionals.length > (typeof values['config'] === 'string' ? 0 : 1)) {
      throw new UsageError('service needs one config file: portico service -c FILE');
    }
    const file = resolve(io.cwd, given);
    const config = await loadConfigOrSay(file, io);
    if (!config) return ExitCode.configInvalid;
    const user = typeof values['user'] === 'string' ? values['user'] : userInfo().username;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(user)) throw new UsageError(`--user ${JSON.stringify(user)} is not a user name`);
    // portico.yaml in /srv/shop is portico-shop; site.json is portico-site.
    const stem = basename(file, extname(file));
    const name = typeof values['name'] === 'string' ? values['name'] : `portico-${stem === 'portico' ? basename(dirname(file)) : stem}`;
    io.stdout(
      systemdUnit({
        file,
        node: process.execPath,
        launcher: launcherPath(),
        workingDirectory: dirname(file),
        user,
        path: io.env['PATH'],
        reloadOverAdmin: config.admin !== undefined,
        longestShutdown: Math.max(0, ...config.apps.map((app) => app.shutdownTimeLimit)),
      }),
    );
    io.stderr(
      `portico service: install it with\n  portico service -c ${file} | sudo tee /etc/systemd/system/${name}.service\n` +
        `  sudo systemctl daemon-reload && sudo systemctl enable --now ${name}\n`,
    );
    return ExitCode.ok;
  },
};

/** `bin/portico.js` of this Portico: two folders up from `src/cli/`, three from `dist/src/cli/`. */
function launcherPath(): string {
  const here = fileURLToPath(import.meta.url);
  const root = here.includes('/dist/src/cli/') ? resolve(dirname(here), '../../..') : resolve(dirname(here), '../..');
  return realpathSync(resolve(root, 'bin/portico.js'));
}
