import { dirname, resolve } from 'node:path';
import net from 'node:net';
import { loadConfig, resolveConfig, type Environment } from '../../config/loadConfig.ts';
import type { PorticoConfig } from '../../config/PorticoConfigSchema.ts';
import { ConfigInvalidError } from '../../errors.ts';
import { readConfigFile } from '../../internal/config/readConfigFile.ts';
import { isRecord } from '../../internal/config/walkSchema.ts';
import type { CliIo } from '../CliIo.ts';
import { CommandFailure } from '../CommandFailure.ts';
import { ExitCode } from '../ExitCode.ts';
import { UsageError } from '../UsageError.ts';

/** Where a running Portico's admin endpoint answers: its unix socket, or its TCP port with the token. */
export type AdminTarget =
  | { readonly socketPath: string; readonly url: string }
  | {
      readonly host: string;
      readonly port: number;
      /** `http://127.0.0.1:9901`, for messages. */
      readonly url: string;
      /** The bearer token, from `PORTICO_ADMIN_TOKEN`; never printed. */
      readonly token?: string;
    };

/**
 * The admin endpoint named by `-a HOST:PORT` (or `-a PATH` of a socket), or the unix socket of
 * the `admin` section of the file given with `-c`: the socket needs no token, its file mode lets
 * only Portico's user (and `socketGroup`) in. Over TCP the token comes from `PORTICO_ADMIN_TOKEN`.
 */
export async function adminTarget(values: Readonly<Record<string, string | boolean | undefined>>, io: CliIo, command: string): Promise<AdminTarget> {
  const address = values['admin'];
  const file = values['config'];
  if (typeof address === 'string' && typeof file === 'string') throw new UsageError(`give either -c FILE or -a HOST:PORT, not both`);
  if (typeof address === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) return { ...parseUrl(address), ...tokenOf(io) };
    if (address.includes('/')) return { socketPath: resolve(io.cwd, address), url: `unix:${resolve(io.cwd, address)}` };
    return { ...parseAddress(address), ...tokenOf(io) };
  }
  if (typeof file !== 'string' || file === '') {
    throw new UsageError(`${command} needs to know where Portico's admin endpoint is: give -c FILE (the config Portico runs with) or -a HOST:PORT`);
  }
  let admin;
  try {
    ({ admin } = await loadForAdmin(resolve(io.cwd, file), io.env));
  } catch (error) {
    if (!(error instanceof ConfigInvalidError)) throw error;
    throw new CommandFailure(error.message, ExitCode.configInvalid);
  }
  if (!admin) throw new UsageError(`${file} has no "admin" section, so Portico answers no admin requests; add "admin": { "port": 9901 } and restart it, or give -a HOST:PORT`);
  return { socketPath: admin.socket, url: `unix:${admin.socket}` };
}

/**
 * The config, read for where its admin socket is. Only that is needed: its `admin` section is
 * resolved alone, beside a listener and an app that stand in for the file's, so that nothing else
 * in the file stops the command. Not a variable that only the rest of the file uses (`"DB_URL":
 * "${DB_URL}"`, set where Portico runs by systemd's EnvironmentFile and not in the operator's
 * shell), and not a mistake elsewhere (an app's misspelt option, a listener's bad port): the
 * operator may be about to ask the running Portico what is wrong, or to reload it once the file is
 * fixed. Nothing is built from it either (an operator of socketGroup may not read Portico's key
 * files). A problem of `admin` itself, or a file that is no config at all, is thrown as it was
 * found, naming the key.
 */
async function loadForAdmin(file: string, env: Environment): Promise<PorticoConfig> {
  const read = await readConfigFile(file);
  // Not read, not parsed, or no object: loadConfig says so as `portico check` does.
  if ('problems' in read || !isRecord(read.value)) return loadConfig(file, { env, checkBuild: false });
  const admin = read.value['admin'];
  const alone = { listen: [{ port: 0 }], apps: [{ name: 'stand-in', processPath: 'node' }], ...(admin === undefined ? {} : { admin }) };
  return resolveConfig(alone, { file, baseDir: dirname(file), env, checkBuild: false });
}

/**
 * `PORTICO_ADMIN_TOKEN`, without the line break of the file it was read from. A character no
 * token has (admin.md: letters, digits and `-._~`) is the caller's mistake, said as such: Node
 * refused it in the header, and the command ended in an internal error.
 */
function tokenOf(io: CliIo): { token?: string } {
  const token = io.env['PORTICO_ADMIN_TOKEN']?.trim();
  if (!token) return {};
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) {
    throw new UsageError('PORTICO_ADMIN_TOKEN holds a character no admin token has (letters, digits and -._~ only); set it to the content of the token file, or use the unix socket with -c FILE');
  }
  return { token };
}

/** The status page address that `portico start` prints, `http://127.0.0.1:9901/`, copied as it is. */
function parseUrl(text: string): AdminTarget {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const port = Number(url?.port);
  if (!url || url.protocol !== 'http:' || !(port >= 1) || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new UsageError(`-a ${JSON.stringify(text)} is not an admin address; give the status page address portico start printed, such as http://127.0.0.1:9901/, or HOST:PORT`);
  }
  return target(url.hostname.replace(/^\[(.*)\]$/, '$1'), port);
}

function parseAddress(text: string): AdminTarget {
  const match = /^(?:(?:\[([^\]]+)\]|([^:[\]]+)):)?(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2] ?? '127.0.0.1';
  if (!match || port < 1 || port > 65_535 || (match[1] !== undefined && !net.isIPv6(host))) {
    throw new UsageError(`-a ${JSON.stringify(text)} is not HOST:PORT; e.g. -a 127.0.0.1:9901, -a [::1]:9901 or -a 9901`);
  }
  return target(host, port);
}

function target(host: string, port: number): AdminTarget & { host: string; port: number } {
  return { host, port, url: `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}` };
}
