import { resolve } from 'node:path';
import net from 'node:net';
import { loadConfig } from '../../config/loadConfig.ts';
import { ConfigInvalid } from '../../errors.ts';
import type { CliIo } from '../CliIo.ts';
import { CommandFailure } from '../CommandFailure.ts';
import { ExitCode } from '../ExitCode.ts';
import { UsageError } from '../UsageError.ts';

/** Where a running Portico's admin endpoint answers. */
export interface AdminTarget {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:9901`, for messages. */
  readonly url: string;
}

/**
 * The admin endpoint named by `-a HOST:PORT`, or by the `admin` section of the file given with
 * `-c`. A wildcard bind address (`0.0.0.0`, `::`) is reached on loopback.
 */
export async function adminTarget(values: Readonly<Record<string, string | boolean | undefined>>, io: CliIo, command: string): Promise<AdminTarget> {
  const address = values['admin'];
  const file = values['config'];
  if (typeof address === 'string' && typeof file === 'string') throw new UsageError(`give either -c FILE or -a HOST:PORT, not both`);
  if (typeof address === 'string') return parseAddress(address);
  if (typeof file !== 'string' || file === '') {
    throw new UsageError(`${command} needs to know where Portico's admin endpoint is: give -c FILE (the config Portico runs with) or -a HOST:PORT`);
  }
  let admin;
  try {
    ({ admin } = await loadConfig(resolve(io.cwd, file), { env: io.env }));
  } catch (error) {
    if (!(error instanceof ConfigInvalid)) throw error;
    throw new CommandFailure(error.message, ExitCode.configInvalid);
  }
  if (!admin) throw new UsageError(`${file} has no "admin" section, so Portico answers no admin requests; add "admin": { "port": 9901 } and restart it, or give -a HOST:PORT`);
  const host = admin.host === '0.0.0.0' ? '127.0.0.1' : admin.host === '::' ? '::1' : admin.host;
  return target(host, admin.port);
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

function target(host: string, port: number): AdminTarget {
  return { host, port, url: `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}` };
}
