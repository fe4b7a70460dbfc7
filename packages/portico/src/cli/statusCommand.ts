import type { AppStatus, PorticoStatus } from '@portico/listener';
import { adminOptionHelp, adminOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { adminTarget } from './internal/adminTarget.ts';
import { askAdmin, unexpected } from './internal/askAdmin.ts';
import { statusTable } from './internal/statusTable.ts';
import { UsageError } from './UsageError.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the apps and their processes',
  usage: 'portico status [-c FILE | -a HOST:PORT] [APP] [--json]',
  description:
    'Asks a running Portico (GET /status on its admin endpoint) for the state of every app, or of APP, and prints a table: ' +
    'each app\'s state, then a row per worker with its state, pid, port or socket, uptime, restarts, requests in flight ' +
    'and how its previous process ended. With --json, prints the status JSON instead.',
  options: { ...adminOptions, json: { type: 'boolean' } },
  optionHelp: [...adminOptionHelp, { flags: '--json', text: 'print the status as JSON (docs/admin.md) instead of a table' }],
  positionals: true,
  async run(values, positionals, io) {
    if (positionals.length > 1) throw new UsageError(`status takes at most one app, got ${positionals.length}: ${positionals.join(' ')}`);
    const target = await adminTarget(values, io, 'status');
    const answer = await askAdmin(target, '/status', { timeoutMs: 10_000 });
    if (answer.status !== 200) throw unexpected(target, '/status', answer);
    const status = JSON.parse(answer.body) as PorticoStatus;
    const apps = select(status.apps, positionals[0]);
    if (values['json'] === true) io.stdout(`${JSON.stringify(positionals[0] === undefined ? status : { ...status, apps }, null, 2)}\n`);
    else io.stdout(statusTable(status, apps, Date.now()));
    return ExitCode.ok;
  },
};

function select(apps: readonly AppStatus[], name: string | undefined): readonly AppStatus[] {
  if (name === undefined) return apps;
  const found = apps.filter((a) => a.name === name);
  if (found.length === 0) throw new CommandFailure(`no app named ${JSON.stringify(name)}; the apps are: ${apps.map((a) => a.name).join(', ') || '(none)'}`, ExitCode.configInvalid);
  return found;
}
