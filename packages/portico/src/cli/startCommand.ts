import { resolve } from 'node:path';
import { createLogger, flushLoggerSync, logEvent, type LoggerLevel, type LoggerOptions } from '@portico/log-sink';
import { formatProblem } from '../config/ConfigProblem.ts';
import { loadConfig } from '../config/loadConfig.ts';
import { ConfigInvalidError } from '../errors.ts';
import { createPortico } from '../runtime/createPortico.ts';
import { STOPPING_ERROR } from '../runtime/Rollouts.ts';
import type { Command } from './Command.ts';
import { waitOptionHelp, waitOptions } from './adminOptions.ts';
import { CommandFailure } from './CommandFailure.ts';
import { ExitCode } from './ExitCode.ts';
import { loadConfigOrSay } from './internal/loadConfigOrSay.ts';
import { explainListenFailure } from './internal/explainListenFailure.ts';
import { runAppCommand } from './internal/runAppCommand.ts';
import { watchConfigFile } from './internal/watchConfigFile.ts';
import { UsageError } from './UsageError.ts';

const logLevels: readonly LoggerLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const logFormats = ['pretty', 'json'] as const;

export const startCommand: Command = {
  name: 'start',
  summary: 'run the proxy and supervise the apps',
  usage: 'portico start -c FILE | portico start [-c FILE | -a HOST:PORT] [--timeout SECONDS] APP',
  description:
    'Loads FILE, binds the listeners, and starts the apps (each on its first request, or at once with `start: "eager"`). ' +
    'Logs its own events on stdout: one line per event on a terminal, JSON lines otherwise (--log-format). SIGHUP, or a change of FILE with `watch: true`, reloads it; ' +
    'SIGTERM or SIGINT stop gracefully (exit 0), and a second signal stops at once (exit 1). ' +
    'With APP, asks the running Portico instead (POST /apps/APP/start on its admin endpoint) to start APP after portico stop, ' +
    'or a failed APP at once, and waits until it is ready: exit 0, or 1 with the reason when it does not start.',
  options: { ...waitOptions, 'log-level': { type: 'string' }, 'log-format': { type: 'string' } },
  optionHelp: [
    { flags: '-c, --config FILE', text: 'the config file (required to run Portico)' },
    ...waitOptionHelp.slice(1),
    { flags: '--log-level LEVEL', text: `the lowest level of Portico's own log: ${logLevels.join(', ')} (default info)` },
    { flags: '--log-format FORMAT', text: 'pretty (one line per event) or json (JSON lines); default pretty on a terminal, json otherwise' },
  ],
  positionals: true,
  async run(values, positionals, io) {
    if (positionals.length > 0) return runAppCommand('start', values, positionals, io);
    if (values['timeout'] !== undefined) throw new UsageError('--timeout is for portico start APP, which asks a running Portico; give the app to start');
    if (typeof values['admin'] === 'string') throw new UsageError('-a names a running Portico: give the app to start, portico start -a HOST:PORT APP');
    const given = values['config'];
    if (typeof given !== 'string' || given === '') throw new UsageError('start needs a config file: portico start -c FILE');
    const file = resolve(io.cwd, given);
    const logOptions = loggerOptions(values);
    // A SIGHUP while the file is read may come after the read began: the file is read again once
    // Portico runs, as a reload (before, Node's default ended Portico there).
    let askedWhileReading = false;
    const whileReading = () => (askedWhileReading = true);
    process.on('SIGHUP', whileReading);
    const config = await loadConfigOrSay(file, io);
    if (!config) return ExitCode.configInvalid;
    const logger = createLogger(logOptions);
    // One front per CPU unless the config says (docs/architecture.md); createPortico's default is 1.
    // Set once the stop's promise exists: Portico stopping by itself (`onFailed`) ends the command with 69.
    let failed: (() => void) | undefined;
    const portico = createPortico(config, { logger, baseEnvironment: io.env, loadConfig: () => loadConfig(file, { env: io.env }), fronts: 'auto', onFailed: () => failed?.() });
    // The signal handlers go in before anything starts: a SIGTERM or Ctrl-C while the fronts and
    // the admin endpoint come up stops Portico gracefully once they are up, and a SIGHUP then is a
    // reload queued behind the start. (Before, Node's default handler killed Portico there.)
    const starting = portico.start();
    let stopping = false;
    let reloading: Promise<unknown> = starting.catch(() => {});
    let queued = false;
    const reload = () => {
      // Still listened to while Portico stops: a SIGHUP then (a reload storm, a systemd reload
      // racing a stop) found Node's default handler and killed Portico mid-drain.
      if (stopping) {
        logEvent(logger, 'config.reload_failed', { file, problems: [STOPPING_ERROR] });
        return;
      }
      // Signals that come while a reload waits its turn ask for what it will do: one reload, as
      // nginx takes a storm of SIGHUPs (before, each queued a full read and apply of its own).
      if (queued) return;
      queued = true;
      reloading = reloading.then(async () => {
        queued = false;
        try {
          const next = await loadConfig(file, { env: io.env });
          // Its outcome is in the log, refusals included: config.reloaded, config.reload_failed, app.rollout_failed.
          await portico.reload(next);
        } catch (error) {
          const problems = error instanceof ConfigInvalidError ? error.problems.map(formatProblem) : [String(error)];
          logEvent(logger, 'config.reload_failed', { file, problems });
        }
      });
    };
    process.on('SIGHUP', reload);
    process.off('SIGHUP', whileReading);
    if (askedWhileReading) reload();
    // Node's defaults for these would open its inspector on 127.0.0.1:9229 to every local user
    // (SIGUSR1) or end Portico without a drain (SIGUSR2: nodemon's restart, nginx's upgrade).
    const ignored = (signal: NodeJS.Signals) => logEvent(logger, 'portico.signal_ignored', { signal });
    process.on('SIGUSR1', ignored);
    process.on('SIGUSR2', ignored);
    const unwatch = config.watch ? watchConfigFile(file, reload) : undefined;

    const stopped = new Promise<ExitCode>((done) => {
      const stopThenExit = (code: ExitCode) => {
        stopping = true;
        unwatch?.();
        void portico.stop().then(() => {
          logEvent(logger, 'portico.stopped', {});
          flushLoggerSync(logger);
          done(code);
        });
      };
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          // Said before the exit: the log otherwise just stopped mid-drain, with no word of why.
          logEvent(logger, 'portico.stop_forced', { signal });
          flushLoggerSync(logger);
          process.exit(1);
        }
        logEvent(logger, 'portico.stopping', { signal });
        stopThenExit(ExitCode.ok);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      // Portico can serve no more and stops by itself (its log said why: front.gave_up): exit
      // non-zero, for a service manager to start it again.
      failed = () => {
        if (!stopping) stopThenExit(ExitCode.unavailable);
      };
    });
    let started;
    try {
      started = await starting;
    } catch (error) {
      // A socket that cannot be bound (a port in use, an address not of this machine) is the
      // machine's answer to the config, not a bug: say it and stop what did start.
      stopping = true;
      unwatch?.();
      await portico.stop();
      if (!isCoded(error)) throw error;
      throw new CommandFailure(await explainListenFailure(error as Error, config), ExitCode.configInvalid);
    }
    // Stopped while it started: there is nothing to serve, only the stop to wait for.
    if (stopping) return stopped;
    const listen = started.listen.map((a) => `${a.proto}://${a.host === '0.0.0.0' ? '127.0.0.1' : a.host}:${a.port}/`);
    const admin = started.admin ? `http://${started.admin.host}:${started.admin.port}/` : undefined;
    // Said only once the signal handlers are in place: a Ctrl-C or SIGTERM sent as soon as this
    // line shows found Node's default handler and killed Portico without a graceful stop.
    logEvent(logger, 'portico.started', { listen, admin, apps: config.apps.map((a) => `${a.name} ${a.match.host}${a.match.path}`) });
    const token = started.admin?.tokenFile ? ` (its token is in ${started.admin.tokenFile})` : '';
    const socket = started.admin ? `; admin socket ${started.admin.socket}` : '';
    io.stderr(`portico: serving ${listen.join(', ')}${admin ? `; status page ${admin}${token}` : ''}${socket}\n`);

    return stopped;
  },
};

/** `--log-level` and `--log-format`, checked before anything starts. */
function loggerOptions(values: Readonly<Record<string, string | boolean | undefined>>): LoggerOptions {
  const level = values['log-level'];
  const format = values['log-format'];
  if (typeof level === 'string' && !logLevels.includes(level as LoggerLevel)) {
    throw new UsageError(`--log-level "${level}" is not a level; use one of ${logLevels.join(', ')}`);
  }
  if (typeof format === 'string' && !(logFormats as readonly string[]).includes(format)) {
    throw new UsageError(`--log-format "${format}" is not a format; use one of ${logFormats.join(', ')}`);
  }
  return {
    ...(typeof level === 'string' ? { level: level as LoggerLevel } : {}),
    ...(typeof format === 'string' ? { pretty: format === 'pretty' } : {}),
  };
}

/** Portico's own errors carry a `PORTICO_ERR_` code and a message that says what to do. */
function isCoded(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === 'string' && (error as { code: string }).code.startsWith('PORTICO_ERR_');
}
