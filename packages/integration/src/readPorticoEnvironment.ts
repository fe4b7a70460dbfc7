import { InvalidEnvironmentError, InvalidOptionError } from './errors.ts';

/** An environment to read: `process.env` by default. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The only compatibility mode: the names the ASP.NET Core Module gives a backend. */
export type CompatMode = 'aspnetcore';

/** Where Portico told the backend to listen. TCP is always on the loopback address. */
export type ListenInstruction =
  | { readonly mode: 'fd'; readonly fd: number; readonly from: 'LISTEN_FDS' }
  | { readonly mode: 'unix'; readonly path: string; readonly from: 'PORTICO_SOCKET' }
  | {
      readonly mode: 'tcp';
      readonly host: '127.0.0.1';
      readonly port: number;
      readonly from: 'PORTICO_PORT' | 'PORT' | 'ASPNETCORE_PORT';
    };

/** What Portico's environment contract says to this process. */
export interface PorticoEnvironment {
  /** The pairing token, or undefined when the process runs without Portico. */
  readonly token: string | undefined;
  /** The variable the token came from. */
  readonly tokenVariable: 'PORTICO_TOKEN' | 'ASPNETCORE_TOKEN' | undefined;
  /** The path prefix the app is mounted at: `/` or `/prefix`, never with a trailing slash. */
  readonly applPath: string;
  /** Where to listen, or undefined when no listening variable is set. */
  readonly listen: ListenInstruction | undefined;
  /** The pipe on which to write `READY=1\n` once listening. */
  readonly notifyFd: number | undefined;
  readonly compat: CompatMode | undefined;
}

export interface ReadEnvironmentOptions {
  /** The environment to read; `process.env` by default. */
  readonly env?: Environment;
  /** Also read `ASPNETCORE_PORT`, `ASPNETCORE_TOKEN` and `ASPNETCORE_APPL_PATH`. */
  readonly compat?: CompatMode;
  /** This process's id, which `LISTEN_PID` must equal; `process.pid` by default. */
  readonly pid?: number;
}

/** The first TCP variable that is set wins, in this order. */
const portVariables = ['PORTICO_PORT', 'PORT'] as const;

/**
 * Reads the environment Portico gives a backend and validates it. Variables that are set but
 * malformed throw {@link InvalidEnvironmentError} naming the variable, so a broken deployment
 * fails at start rather than on the first request.
 *
 * @example
 * const { applPath, token } = readPorticoEnvironment();
 * if (token === undefined) console.warn('running without Portico');
 */
export function readPorticoEnvironment(options: ReadEnvironmentOptions = {}): PorticoEnvironment {
  const env = options.env ?? process.env;
  const compat = checkCompat(options.compat);
  const tokenVariable = pickToken(env, compat);
  return {
    token: tokenVariable === undefined ? undefined : env[tokenVariable],
    tokenVariable,
    applPath: readApplPath(env, compat),
    listen: readListen(env, compat, options.pid ?? process.pid),
    notifyFd: readWholeNumber(env, 'PORTICO_NOTIFY_FD', 0, Number.MAX_SAFE_INTEGER),
    compat,
  };
}

/** Validates the `compat` option shared by every entry point. */
export function checkCompat(compat: unknown): CompatMode | undefined {
  if (compat === undefined || compat === 'aspnetcore') return compat;
  throw new InvalidOptionError('compat', `must be "aspnetcore" or absent, got ${JSON.stringify(compat)}`);
}

function pickToken(env: Environment, compat: CompatMode | undefined) {
  const candidates = compat === 'aspnetcore' ? (['PORTICO_TOKEN', 'ASPNETCORE_TOKEN'] as const) : (['PORTICO_TOKEN'] as const);
  for (const name of candidates) {
    const value = env[name];
    if (value === undefined) continue;
    // An empty token would make an empty header valid: refuse rather than fail open.
    if (value === '') throw new InvalidEnvironmentError(name, 'is set but empty');
    return name;
  }
  return undefined;
}

function readApplPath(env: Environment, compat: CompatMode | undefined): string {
  const name = env['PORTICO_APPL_PATH'] !== undefined || compat !== 'aspnetcore' ? 'PORTICO_APPL_PATH' : 'ASPNETCORE_APPL_PATH';
  const value = env[name];
  if (value === undefined || value === '') return '/';
  if (!value.startsWith('/')) throw new InvalidEnvironmentError(name, `must start with "/", got ${JSON.stringify(value)}`);
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

function readListen(env: Environment, compat: CompatMode | undefined, pid: number): ListenInstruction | undefined {
  // systemd's sd_listen_fds(3): the sockets are meant for LISTEN_PID only, so a child that
  // inherited the variables must not take fd 3 for itself.
  if (env['LISTEN_FDS'] !== undefined && env['LISTEN_PID'] === String(pid)) {
    const count = readWholeNumber(env, 'LISTEN_FDS', 0, 1024);
    if (count !== undefined && count > 0) return { mode: 'fd', fd: 3, from: 'LISTEN_FDS' };
  }
  const socket = env['PORTICO_SOCKET'];
  if (socket !== undefined && socket !== '') return { mode: 'unix', path: socket, from: 'PORTICO_SOCKET' };
  const names = compat === 'aspnetcore' ? [...portVariables, 'ASPNETCORE_PORT' as const] : portVariables;
  for (const name of names) {
    const port = readWholeNumber(env, name, 0, 65535);
    if (port !== undefined) return { mode: 'tcp', host: '127.0.0.1', port, from: name };
  }
  return undefined;
}

function readWholeNumber(env: Environment, name: string, min: number, max: number): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw new InvalidEnvironmentError(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}
