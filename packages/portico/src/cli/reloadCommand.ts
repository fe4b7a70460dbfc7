import { waitOptionHelp, waitOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { adminTarget } from './internal/adminTarget.ts';
import { askAdmin, unexpected } from './internal/askAdmin.ts';
import { silenceLimit } from './internal/silenceLimit.ts';

export const reloadCommand: Command = {
  name: 'reload',
  summary: 'load the config again without dropping requests',
  usage: 'portico reload [-c FILE | -a HOST:PORT] [--timeout SECONDS]',
  description:
    'Asks a running Portico (POST /reload on its admin endpoint) to load its config file again, and waits until it has. ' +
    'Apps whose settings changed are restarted by starting new processes before draining the old ones. Prints "reloaded" ' +
    'and exits 0; a config with problems is refused and the running one kept: the problems are printed on stderr and the exit status is 1. ' +
    'So is an app whose new processes do not start: its old ones keep serving. Waits as long as the rollout takes; ' +
    'gives up, exit 69, if Portico says nothing for 10 s (--timeout): a frozen Portico.',
  options: waitOptions,
  optionHelp: waitOptionHelp,
  async run(values, _positionals, io) {
    const timeoutMs = silenceLimit(values['timeout']);
    const target = await adminTarget(values, io, 'reload').catch((error: unknown) => {
      // -c FILE whose admin section has problems (the rest is Portico's to check): said as
      // Portico says a refused reload, since the operator's first question is whether the site
      // still runs.
      if (!(error instanceof CommandFailure) || error.exitCode !== ExitCode.configInvalid) throw error;
      throw new CommandFailure(`the new config was refused (nothing was sent to Portico); the running one stays in force:\n${error.message.replace(/^/gm, '  ')}`, error.exitCode);
    });
    const answer = await askAdmin(target, '/reload', { method: 'POST', timeoutMs, changes: true });
    let result: { ok?: boolean; errors?: string[] } | undefined;
    try {
      result = JSON.parse(answer.body) as typeof result;
    } catch {
      result = undefined;
    }
    if (answer.status === 200 && result?.ok === true) {
      io.stdout('reloaded\n');
      return ExitCode.ok;
    }
    if (!result || !Array.isArray(result.errors)) throw unexpected(target, '/reload', answer);
    const why =
      answer.status === 409
        ? 'not reloaded'
        : answer.status === 502
          ? 'the new config was applied, but the new workers of an app did not start; its old ones keep serving'
          : answer.status === 500
            ? 'the reload failed'
            : 'the new config was refused; the running one stays in force';
    io.stderr(`portico reload: ${why}:\n${result.errors.map((e) => `  ${e}\n`).join('')}`);
    return ExitCode.configInvalid;
  },
};
