import type { ListenMode } from './WorkerOptions.ts';

/**
 * The variables Portico sets for a backend that its `arguments` may name, as `${PORT}` or
 * `${PORT:-default}`, filled in at each spawn (issue 20: `gunicorn -b 127.0.0.1:${PORT}`,
 * `php -S 127.0.0.1:${PORT}`, `uvicorn --uds ${PORTICO_SOCKET}`). Each is set only in the
 * listen mode given here; `undefined` means every mode.
 */
export const spawnVariables: Readonly<Record<string, ListenMode | undefined>> = {
  PORT: 'tcp',
  PORTICO_PORT: 'tcp',
  PORTICO_SOCKET: 'unix',
  PORTICO_APPL_PATH: undefined,
};

/**
 * Names that must never be put in arguments: every user on the host can read a process's
 * arguments (`ps`, `/proc/PID/cmdline`), and the pairing token is the backend's secret.
 */
export const secretSpawnVariables: readonly string[] = ['PORTICO_TOKEN', 'ASPNETCORE_TOKEN'];

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The spawn variables an argument names, in order. */
export function spawnReferences(argument: string): string[] {
  return [...argument.matchAll(reference)].map((match) => match[1]!).filter((name) => name in spawnVariables || secretSpawnVariables.includes(name));
}

/**
 * Fills `${NAME}` and `${NAME:-default}` of the spawn variables in with the backend's own
 * environment; any other text, other `${…}` included, stays as it is. A variable this spawn does
 * not set takes its default, or stays as written (the config check refuses that case).
 */
export function expandSpawnArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  return args.map((argument) =>
    argument.replace(reference, (whole, name: string, fallback: string | undefined) => {
      if (!(name in spawnVariables)) return whole;
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      return fallback ?? whole;
    }),
  );
}
