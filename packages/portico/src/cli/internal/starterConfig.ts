/** What `portico init` was told: the command, and what it may choose itself. */
export interface StarterOptions {
  readonly name: string;
  readonly command: string;
  readonly arguments: readonly string[];
  readonly port: number;
  readonly adminPort: number;
}

/**
 * Servers that take where to listen as an argument, and that argument: Portico gives each process
 * its port in `${PORT}` (docs/config.md, The port in the arguments). A command that already says
 * where to listen keeps its own arguments.
 */
const listenArguments: ReadonlyArray<{ readonly program: RegExp; readonly given: RegExp; readonly add: readonly string[] }> = [
  { program: /^gunicorn$/, given: /^(-b|--bind)(=|$)/, add: ['-b', '127.0.0.1:${PORT}'] },
  { program: /^(uvicorn|hypercorn)$/, given: /^(--port|-b|--bind)(=|$)/, add: ['--host', '127.0.0.1', '--port', '${PORT}'] },
  { program: /^puma$/, given: /^(-p|--port|-b|--bind)(=|$)/, add: ['-b', 'tcp://127.0.0.1:${PORT}'] },
];

/**
 * The command's arguments with the listen argument its server needs, if Portico knows the server.
 * gunicorn also gets `--preload`, unless it has it or a config file of its own (`-c`): its master
 * then imports the app before it binds, so the `tcp` readiness check passes only once the app
 * imported. Without it the master binds first, and an app whose import fails counted as ready
 * (docs/worker.md, Readiness); `notify` needs integrations/python/gunicorn.conf.py, which a
 * starter config cannot assume, and `http` a route that answers 2xx.
 */
export function argumentsFor(command: string, args: readonly string[]): readonly string[] {
  const program = command.split('/').at(-1) ?? command;
  const known = listenArguments.find((server) => server.program.test(program));
  if (!known) return args;
  const preload = program === 'gunicorn' && !args.some((arg) => /^(--preload|-c|--config)(=|$)/.test(arg)) ? ['--preload'] : [];
  const listen = args.some((arg) => known.given.test(arg)) ? [] : known.add;
  return [...listen, ...preload, ...args];
}

// A JSON string is a YAML double-quoted scalar, so every value is quoted the one way that
// cannot be misread (`no`, `1.0`, `*`, `: ` stay strings).
const q = (value: string) => JSON.stringify(value);

/** The starter config as commented YAML (YAML, because JSON has no comments and the loader reads both). */
export function starterConfig(options: StarterOptions): string {
  const args = argumentsFor(options.command, options.arguments);
  const shown = [options.command, ...options.arguments].join(' ');
  const preloadNote = args.includes('--preload')
    ? '    # --preload: gunicorn imports the app before it listens, so a port that answers means the app\n' +
      '    # imported. Or drop it and use readiness: { kind: "notify" } with Portico\'s gunicorn.conf.py.\n'
    : '';
  return `# Portico config for: ${shown}
# Written by portico init. Check it with "portico check FILE", run it with "portico start -c FILE".
# Every key and its default: docs/config.md. Relative paths are taken from this file's folder.

# Where Portico answers: http://127.0.0.1:${options.port}/
listen:
  - port: ${options.port}
    host: "127.0.0.1"   # "0.0.0.0" answers on every address of this machine

# The admin endpoint: portico status, portico logs, reload, and the live page at
# http://127.0.0.1:${options.adminPort}/ (its token is in a file that portico start names).
admin:
  port: ${options.adminPort}

apps:
  - name: ${q(options.name)}
    # Which requests go to it: every host, every path.
    match: { host: "*", path: "/" }
    # The command Portico starts, once per process. Each process must listen on 127.0.0.1 at the
    # port Portico gives it: \${PORT} in the arguments, or the PORT environment variable.
    processPath: ${q(options.command)}
    arguments: [${args.map(q).join(', ')}]
${preloadNote}    # How many processes serve it; each is restarted when it dies.
    processesPerApplication: 1
    # eager: started with Portico; lazy: on the first request.
    start: "eager"
    # Seconds a process has to listen on its port, and to exit after SIGTERM.
    startupTimeLimit: 30
    shutdownTimeLimit: 10
    # What its processes write to stdout and stderr is shown by "portico logs"; with this, it
    # is also kept in files ./logs/${options.name}_<time>_<pid>.log.
    stdoutLogEnabled: true
    stdoutLogFile: ${q(`./logs/${options.name}`)}
    # Variables for its processes, besides Portico's own environment:
    # environmentVariables: { FLASK_ENV: "production" }
`;
}
