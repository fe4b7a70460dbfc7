import type { WorkerOutputTail } from '@portico/listener';
import { adminOptionHelp, adminOptions } from './adminOptions.ts';
import type { Command } from './Command.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { adminTarget, type AdminTarget } from './internal/adminTarget.ts';
import { askAdmin, unexpected } from './internal/askAdmin.ts';
import { TailPrinter } from './internal/TailPrinter.ts';
import { UsageError } from './UsageError.ts';

const pollMs = 1000;

export const logsCommand: Command = {
  name: 'logs',
  summary: 'print the output of an app\'s processes',
  usage: 'portico logs [-c FILE | -a HOST:PORT] [-f] APP',
  description:
    'Prints the in-memory tail of what APP\'s processes wrote to stdout and stderr (GET /logs on the admin endpoint; ' +
    'the last 64 KiB per process by default). With several workers, each one\'s output follows a "==> shop#1 (pid 4250) <==" line. ' +
    'With -f, asks again every second and prints only what is new, until interrupted.',
  options: { ...adminOptions, follow: { type: 'boolean', short: 'f' } },
  optionHelp: [...adminOptionHelp, { flags: '-f, --follow', text: 'keep printing new output until interrupted (Ctrl-C)' }],
  positionals: true,
  async run(values, positionals, io) {
    const [app, ...more] = positionals;
    if (app === undefined || more.length > 0) throw new UsageError(`logs takes exactly one app: portico logs [-f] APP`);
    const target = await adminTarget(values, io, 'logs');
    const printer = new TailPrinter(io);
    printer.print(await fetchTails(target, app));
    if (values['follow'] !== true) return ExitCode.ok;
    return follow(target, app, printer);
  },
};

async function fetchTails(target: AdminTarget, app: string): Promise<readonly WorkerOutputTail[]> {
  const path = `/logs?app=${encodeURIComponent(app)}`;
  const answer = await askAdmin(target, path, { accept: 'application/json', timeoutMs: 10_000 });
  if (answer.status === 404) throw new CommandFailure(answer.body, ExitCode.configInvalid);
  if (answer.status !== 200) throw unexpected(target, path, answer);
  return (JSON.parse(answer.body) as { workers: WorkerOutputTail[] }).workers;
}

/** Polls until SIGINT or SIGTERM (exit 0), or until Portico stops answering (exit 69). */
function follow(target: AdminTarget, app: string, printer: TailPrinter): Promise<ExitCode> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve(ExitCode.ok);
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    const poll = () => {
      timer = setTimeout(() => {
        fetchTails(target, app).then(
          (tails) => {
            printer.print(tails);
            poll();
          },
          (error: unknown) => {
            process.off('SIGINT', finish);
            process.off('SIGTERM', finish);
            reject(error);
          },
        );
      }, pollMs);
    };
    poll();
  });
}
