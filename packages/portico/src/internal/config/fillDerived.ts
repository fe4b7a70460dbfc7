import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitArguments } from './splitArguments.ts';
import { isRecord } from './walkSchema.ts';

/**
 * Fills the defaults that depend on other values and puts values in their one canonical form:
 * `arguments` as a list, host matches in lower case, path prefixes without a trailing slash.
 * Mutates `config` (the loader's own copy); skips whatever has the wrong shape.
 */
export function fillDerived(config: Record<string, unknown>, baseDir: string, file: string): void {
  delete config['$schema'];
  const admin = config['admin'];
  if (isRecord(admin) && admin['socket'] === undefined) admin['socket'] = defaultAdminSocket(file);
  if (!Array.isArray(config['apps'])) return;
  for (const app of config['apps']) {
    if (!isRecord(app)) continue;
    if (typeof app['arguments'] === 'string') app['arguments'] = splitArguments(app['arguments']);
    app['workingDirectory'] ??= baseDir;
    // IIS's 20 minutes for an app started on demand; an eager app stays up unless it says otherwise.
    app['idleTimeout'] ??= app['start'] === 'eager' ? 0 : 1200;
    if (typeof app['memoryMax'] === 'string') app['memoryMax'] = bytesOf(app['memoryMax']);
    if (app['stdoutLogFile'] === undefined && typeof app['name'] === 'string') app['stdoutLogFile'] = join(baseDir, 'logs', app['name']);
    const queue = app['queue'];
    if (isRecord(queue) && queue['timeout'] === undefined && typeof app['startupTimeLimit'] === 'number') queue['timeout'] = app['startupTimeLimit'];
    const match = app['match'];
    if (isRecord(match)) {
      if (typeof match['host'] === 'string') match['host'] = match['host'].toLowerCase();
      if (typeof match['path'] === 'string' && match['path'].length > 1) match['path'] = match['path'].replace(/\/+$/, '') || '/';
    }
  }
}

const units: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** `512M` → 536870912, as systemd reads `MemoryMax=`; a text the schema refuses stays as it is. */
function bytesOf(text: string): number | string {
  const found = /^([0-9]+)([KMGT])$/.exec(text);
  return found ? Number(found[1]) * units[found[2]!]! : text;
}

/**
 * Where the admin socket of the config `file` is by default: in a folder of the temporary folder
 * named after the file's path, so that `portico start -c FILE` and `portico status -c FILE` find
 * the same socket without a key, and two Porticos with different files never share one.
 */
export function defaultAdminSocket(file: string): string {
  return join(tmpdir(), `portico-${createHash('sha256').update(file).digest('hex').slice(0, 16)}`, 'admin.sock');
}
