import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import type { Command } from './Command.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { starterConfig } from './internal/starterConfig.ts';
import { UsageError } from './UsageError.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'write a commented starter config for a command',
  usage: 'portico init [-o FILE] [--name NAME] [--port PORT] [--force] -- COMMAND [ARGUMENTS…]',
  description:
    'Writes a YAML config (portico.yaml by default) that runs COMMAND behind Portico on 127.0.0.1:8080, with the admin ' +
    'endpoint on 9901 and its output kept in ./logs, each key explained in a comment. For gunicorn, uvicorn, hypercorn and ' +
    'puma it adds the argument that makes them listen on the port Portico gives them. It never overwrites a file without --force.',
  options: {
    output: { type: 'string', short: 'o' },
    name: { type: 'string' },
    port: { type: 'string' },
    force: { type: 'boolean' },
  },
  optionHelp: [
    { flags: '-o, --output FILE', text: 'where to write it (default portico.yaml; .yaml or .yml)' },
    { flags: '--name NAME', text: 'the app\'s name (default: the name of the current folder)' },
    { flags: '--port PORT', text: 'the port Portico answers on (default 8080)' },
    { flags: '--force', text: 'overwrite FILE if it exists' },
  ],
  positionals: true,
  async run(values, positionals, io) {
    const [command, ...args] = positionals;
    if (command === undefined) throw new UsageError('init needs the command to run: portico init -- COMMAND [ARGUMENTS…], e.g. portico init -- gunicorn app:app');
    const output = typeof values['output'] === 'string' ? values['output'] : 'portico.yaml';
    if (!['.yaml', '.yml'].includes(extname(output).toLowerCase())) {
      throw new UsageError(`-o ${output}: the starter config is YAML, for its comments; name it .yaml or .yml`);
    }
    const port = portOf(values['port']);
    const name = typeof values['name'] === 'string' ? values['name'] : appName(io.cwd);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: an app's name is letters, digits, ".", "_" and "-", starting with a letter or digit`);
    const file = resolve(io.cwd, output);
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, starterConfig({ name, command, arguments: args, port, adminPort: 9901 }), { flag: values['force'] === true ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new CommandFailure(`cannot write ${file}: ${(error as Error).message}`, ExitCode.configInvalid);
      throw new CommandFailure(`${file} exists; it was left as it is: give --force to overwrite it, or -o FILE to write another`, ExitCode.configInvalid);
    }
    const shown = relative(io.cwd, file) || file;
    io.stderr(
      `portico init: wrote ${file}\n` +
        `Next: portico check ${shown}        (what Portico will run, every default filled in)\n` +
        `      portico start -c ${shown}     (then http://127.0.0.1:${port}/, and the live page at http://127.0.0.1:9901/)\n`,
    );
    return ExitCode.ok;
  },
};

function portOf(given: string | boolean | undefined): number {
  if (given === undefined) return 8080;
  const port = Number(given);
  if (typeof given !== 'string' || !/^\d+$/.test(given) || port < 1 || port > 65_535) throw new UsageError(`--port ${String(given)}: give a port from 1 to 65535`);
  return port;
}

/** The current folder's name, made a valid app name (`my app` → `my-app`), or `app`. */
function appName(cwd: string): string {
  const name = basename(cwd).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return name === '' ? 'app' : name;
}
