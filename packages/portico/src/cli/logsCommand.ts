import type { AppOutputLine } from '@portico/listener';
import { adminOptionHelp, adminOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { adminTarget } from './internal/adminTarget.ts';
import { appNameArgument } from './internal/appNameArgument.ts';
import { OutputLinePrinter } from './internal/OutputLinePrinter.ts';
import { parseSince } from './internal/parseSince.ts';
import { streamAdmin } from './internal/streamAdmin.ts';
import { UsageError } from './UsageError.ts';

export const logsCommand: Command = {
  name: 'logs',
  summary: 'print the output of the apps\' processes',
  usage: 'portico logs [-c FILE | -a HOST:PORT] [--lines N] [--since WHEN] [-f] [APP]',
  description:
    'Prints what the apps\' processes wrote to stdout and stderr, each line after its worker ("shop#1 | …", in a colour per app on a terminal), ' +
    'from the lines Portico keeps in memory (the last 128 KiB per worker, across its restarts; GET /logs/lines on the admin endpoint). ' +
    'Without APP, every app. With -f, goes on printing new lines as they are written, until interrupted.',
  options: {
    ...adminOptions,
    follow: { type: 'boolean', short: 'f' },
    lines: { type: 'string', short: 'n' },
    since: { type: 'string' },
  },
  optionHelp: [
    ...adminOptionHelp,
    { flags: '-n, --lines N', text: 'only the last N lines of each worker (then, with -f, every new one)' },
    { flags: '--since WHEN', text: 'only lines from then on: a duration back from now (90s, 10m, 2h, 1d) or a time (2026-12-06T02:00:00Z)' },
    { flags: '-f, --follow', text: 'keep printing new lines until interrupted (Ctrl-C)' },
  ],
  positionals: true,
  async run(values, positionals, io) {
    const [app, ...more] = positionals;
    if (more.length > 0) throw new UsageError(`logs takes at most one app: portico logs [-f] [APP]`);
    const query = new URLSearchParams();
    if (app !== undefined) query.set('app', appNameArgument(app));
    const lines = values['lines'];
    if (typeof lines === 'string') {
      if (!/^\d{1,9}$/.test(lines)) throw new UsageError(`--lines takes a whole number of lines from 0 to 999999999, got ${JSON.stringify(lines)}`);
      query.set('lines', lines);
    }
    const since = values['since'];
    if (typeof since === 'string') query.set('since', String(Math.max(0, Math.floor(parseSince(since, Date.now())))));
    const follow = values['follow'] === true;
    if (follow) query.set('follow', '1');
    const target = await adminTarget(values, io, 'logs');
    const printer = new OutputLinePrinter(io.stdout, { terminal: io.isTerminal === true, colour: io.env['NO_COLOR'] === undefined });
    const path = `/logs/lines?${query.toString()}`;
    const stream = streamAdmin(
      target,
      path,
      (line) => printer.print([JSON.parse(line) as AppOutputLine]),
      (status, body) =>
        // The endpoint's 404 points curl at GET /status; the command line has its own way to list them.
        status === 404
          ? new CommandFailure(`no app named ${JSON.stringify(app)}; portico status lists the apps`, ExitCode.configInvalid)
          : new CommandFailure(`${target.url}${path} answered ${status}: ${body.slice(0, 500)}`, ExitCode.unavailable),
    );
    if (!follow) {
      await stream.ended;
      return ExitCode.ok;
    }
    return untilInterrupted(stream);
  },
};

/** Follows until SIGINT or SIGTERM (exit 0); a Portico that stops answering is exit 69. */
async function untilInterrupted(stream: ReturnType<typeof streamAdmin>): Promise<ExitCode> {
  let interrupted = false;
  const finish = () => {
    interrupted = true;
    stream.stop();
  };
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  try {
    await stream.ended;
  } finally {
    process.off('SIGINT', finish);
    process.off('SIGTERM', finish);
  }
  if (interrupted) return ExitCode.ok;
  throw new CommandFailure('Portico ended the stream of output: it is stopping or restarting', ExitCode.unavailable);
}
