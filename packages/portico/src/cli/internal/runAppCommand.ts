import type { AppCommand, AppCommandResult } from '@portico/listener';
import type { CliIo } from '../CliIo.ts';
import { ExitCode } from '../ExitCode.ts';
import { UsageError } from '../UsageError.ts';
import { adminTarget } from './adminTarget.ts';
import { appNameArgument } from './appNameArgument.ts';
import { askAdmin, unexpected } from './askAdmin.ts';
import { silenceLimit } from './silenceLimit.ts';

/** What each command prints when it is done. */
const done: Record<AppCommand, (app: string) => string> = {
  restart: (app) => `${app} restarted: new workers are serving`,
  stop: (app) => `${app} stopped: requests get 503 until portico start ${app}`,
  start: (app) => `${app} started`,
};

/**
 * `portico restart|stop|start APP`: `POST /apps/APP/COMMAND` on the admin endpoint, waiting for
 * the answer (a restart waits for the new workers) while Portico says it is at work (`--timeout`). Exit 0 when done; 1 when there is no such
 * app or the new workers did not start, with the reason on stderr.
 */
export async function runAppCommand(command: AppCommand, values: Readonly<Record<string, string | boolean | undefined>>, positionals: readonly string[], io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one app, got ${positionals.length}${positionals.length > 0 ? `: ${positionals.join(' ')}` : ''}`);
  const given = positionals[0]!;
  if (given === '') throw new UsageError(`${command} takes the name of an app; name the app (portico status lists them)`);
  const app = appNameArgument(given);
  const timeoutMs = silenceLimit(values['timeout']);
  const target = await adminTarget(values, io, command);
  const path = `/apps/${encodeURIComponent(app)}/${command}`;
  const answer = await askAdmin(target, path, { method: 'POST', timeoutMs, changes: true });
  let result: AppCommandResult | undefined;
  try {
    result = JSON.parse(answer.body) as AppCommandResult;
  } catch {
    result = undefined;
  }
  if (answer.status === 200 && result?.ok === true) {
    const forced = result.forced ?? [];
    if (forced.length === 0) io.stdout(`${done[command](app)}\n`);
    // The app is down all the same (exit 0), but a backend that had to be SIGKILLed lost what it
    // had not finished: the operator hears it here, not only from the log.
    else io.stdout(`${app} stopped, ${forced.length} of its workers by force: requests get 503 until portico start ${app}\n${forced.map((f) => `  ${f.worker}: ${f.reason}\n`).join('')}`);
    return ExitCode.ok;
  }
  if (!result || result.ok || !Array.isArray(result.errors)) throw unexpected(target, path, answer);
  io.stderr(`portico ${command}: ${result.errors.join('\n  ')}\n`);
  return ExitCode.configInvalid;
}
