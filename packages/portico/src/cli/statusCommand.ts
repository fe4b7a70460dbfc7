import type { AppStatus, PorticoStatus } from '@portico/listener';
import { adminOptionHelp, adminOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { adminTarget, type AdminTarget } from './internal/adminTarget.ts';
import { askAdmin, unexpected } from './internal/askAdmin.ts';
import { statusTable } from './internal/statusTable.ts';
import { appNameArgument } from './internal/appNameArgument.ts';
import { watchStatus } from './internal/watchStatus.ts';
import { UsageError } from './UsageError.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the apps and their processes',
  usage: 'portico status [-c FILE | -a HOST:PORT] [APP] [--json | -w [--interval SECONDS]]',
  description:
    'Asks a running Portico (GET /status on its admin endpoint) for the state of every app, or of APP, and prints a table: ' +
    'each app\'s state, then a row per worker with its state, pid, port or socket, uptime, restarts, requests in flight ' +
    'and how its previous process ended. With --json, prints the status JSON instead. ' +
    'With -w, draws the table again every 2 seconds (--interval) until interrupted: in place on a terminal, one after the other when piped.',
  options: { ...adminOptions, json: { type: 'boolean' }, watch: { type: 'boolean', short: 'w' }, interval: { type: 'string' } },
  optionHelp: [
    ...adminOptionHelp,
    { flags: '--json', text: 'print the status as JSON (docs/admin.md) instead of a table' },
    { flags: '-w, --watch', text: 'draw the table again and again until interrupted (Ctrl-C)' },
    { flags: '--interval SECONDS', text: 'the time between two draws of -w, from 0.1 to 86400 (default 2)' },
  ],
  positionals: true,
  async run(values, positionals, io) {
    if (positionals.length > 1) throw new UsageError(`status takes at most one app, got ${positionals.length}: ${positionals.join(' ')}`);
    if (positionals[0] !== undefined) appNameArgument(positionals[0]);
    const watch = values['watch'] === true;
    if (watch && values['json'] === true) throw new UsageError('give -w and --json apart: -w draws the table, --json prints the status once');
    const intervalMs = watchInterval(values['interval']);
    const target = await adminTarget(values, io, 'status');
    const table = async () => {
      const status = await askStatus(target);
      return statusTable(status, select(status.apps, positionals[0]), Date.now());
    };
    if (watch) return watchStatus(table, intervalMs, io);
    if (values['json'] !== true) {
      io.stdout(await table());
      return ExitCode.ok;
    }
    const status = await askStatus(target);
    const apps = select(status.apps, positionals[0]);
    io.stdout(`${JSON.stringify(positionals[0] === undefined ? status : { ...status, apps }, null, 2)}\n`);
    return ExitCode.ok;
  },
};

async function askStatus(target: AdminTarget): Promise<PorticoStatus> {
  const answer = await askAdmin(target, '/status', { timeoutMs: 10_000 });
  if (answer.status !== 200) throw unexpected(target, '/status', answer);
  return JSON.parse(answer.body) as PorticoStatus;
}

/**
 * `--interval SECONDS` of `-w`: 2 by default, from 0.1 (procps `watch`'s least: less would ask the
 * admin endpoint again as soon as it answered) to a day (past 24.8 days setTimeout fires at once).
 */
function watchInterval(given: string | boolean | undefined): number {
  if (given === undefined) return 2000;
  const seconds = Number(given);
  if (typeof given !== 'string' || given.trim() === '' || !(seconds >= 0.1 && seconds <= 86_400)) {
    throw new UsageError(`--interval "${String(given)}" is not a number of seconds from 0.1 to 86400; e.g. --interval 1 or --interval 0.5`);
  }
  return seconds * 1000;
}

function select(apps: readonly AppStatus[], name: string | undefined): readonly AppStatus[] {
  if (name === undefined) return apps;
  const found = apps.filter((a) => a.name === name);
  if (found.length === 0) throw new CommandFailure(`no app named ${JSON.stringify(name)}; the apps are: ${apps.map((a) => a.name).join(', ') || '(none)'}`, ExitCode.configInvalid);
  return found;
}
