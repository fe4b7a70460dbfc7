import { statSync, type Stats } from 'node:fs';
import { fileKind, whyUnreadable } from '@portico/files';
import { checkAuthLoop } from './checkAuthLoop.ts';
import type { KeyPath } from './formatPath.ts';
import { lookupAccount } from './lookupAccount.ts';
import { isRecord, type RawProblem } from './walkSchema.ts';

const records = (value: unknown): [number, Record<string, unknown>][] =>
  Array.isArray(value) ? value.flatMap((item, index) => (isRecord(item) ? [[index, item] as [number, Record<string, unknown>]] : [])) : [];

const anyHost = (host: unknown): boolean => host === '0.0.0.0' || host === '::' || host === '[::]';
const sameSocket = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  typeof a['port'] === 'number' && a['port'] !== 0 && a['port'] === b['port'] && (a['host'] === b['host'] || anyHost(a['host']) || anyHost(b['host']));

/**
 * The rules no schema keyword can say: unique names and matches, sockets bound once, min ≤ max,
 * keys that need each other. Runs on a config with defaults applied, even if the schema check
 * failed, so that one run reports everything; it skips whatever has the wrong shape.
 */
export function checkConsistency(config: Record<string, unknown>): RawProblem[] {
  const out: RawProblem[] = [];
  const listeners = records(config['listen']);
  for (const [j, listener] of listeners) {
    const earlier = listeners.find(([i, other]) => i < j && sameSocket(other, listener));
    if (earlier) out.push({ kind: 'duplicate', path: ['listen', j, 'port'], value: listener['port'], message: `is already bound by listen[${earlier[0]}]`, allowed: 'a port no other listener uses on that address' });
    const tls = listener['tls'];
    if (isRecord(tls) && listener['h2c'] === true) {
      out.push({ kind: 'conflict', path: ['listen', j, 'h2c'], value: true, message: 'is for plain listeners; an HTTPS listener offers HTTP/2 by ALPN', allowed: 'h2c on a listener without tls, or http2 on one with it' });
    }
    if (!isRecord(tls) && listener['http2'] !== undefined) {
      out.push({ kind: 'conflict', path: ['listen', j, 'http2'], value: listener['http2'], message: 'is for HTTPS listeners; a plain listener serves HTTP/2 only with h2c: true', allowed: 'http2 on a listener with tls, or h2c on one without it' });
    }
    if (isRecord(tls) && tls['requestCert'] === true && tls['ca'] === undefined) {
      out.push({ kind: 'missing', path: ['listen', j, 'tls', 'ca'], message: 'is required when requestCert is true: client certificates are verified against it', allowed: 'a PEM file of certificate authorities' });
    }
  }
  const admin = config['admin'];
  if (isRecord(admin) && admin['tokenFile'] !== undefined && admin['tokenEnv'] !== undefined) {
    out.push({ kind: 'conflict', path: ['admin', 'tokenEnv'], value: admin['tokenEnv'], message: 'is given with tokenFile; the token comes from one of them', allowed: 'tokenFile or tokenEnv, not both' });
  }
  if (isRecord(admin) && typeof admin['socket'] === 'string' && Buffer.byteLength(admin['socket']) > 107) {
    out.push({ kind: 'range', path: ['admin', 'socket'], value: admin['socket'], message: `is ${Buffer.byteLength(admin['socket'])} bytes long once resolved; a unix socket's path holds at most 107`, allowed: 'a shorter path' });
  }
  if (isRecord(admin)) {
    const clash = listeners.find(([, listener]) => sameSocket(admin, listener));
    if (clash) out.push({ kind: 'conflict', path: ['admin', 'port'], value: admin['port'], message: `is already bound by listen[${clash[0]}]`, allowed: 'a port no listener uses on that address' });
  }
  const apps = records(config['apps']);
  const requestCert = listeners.some(([, listener]) => isRecord(listener['tls']) && listener['tls']['requestCert'] === true);
  for (const [j, app] of apps) {
    const name = app['name'];
    const twin = apps.find(([i, other]) => i < j && typeof name === 'string' && other['name'] === name);
    if (twin) out.push({ kind: 'duplicate', path: ['apps', j, 'name'], value: name, message: `is also the name of apps[${twin[0]}]`, allowed: 'a name no other app has' });
    const match = app['match'];
    if (isRecord(match) && typeof match['host'] === 'string' && typeof match['path'] === 'string') {
      const same = apps.find(([i, other]) => i < j && isRecord(other['match']) && other['match']['host'] === match['host'] && other['match']['path'] === match['path']);
      if (same) {
        out.push({
          kind: 'duplicate',
          path: ['apps', j, 'match'],
          value: match,
          message: `is the same as the match of apps[${same[0]}], so this app would never get a request`,
          allowed: 'a host or path no other app has',
        });
      }
    }
    const retryFailed = isRecord(app['restart']) ? app['restart']['retryFailed'] : undefined;
    if (isRecord(retryFailed) && typeof retryFailed['min'] === 'number' && typeof retryFailed['max'] === 'number' && retryFailed['max'] < retryFailed['min']) {
      out.push({ kind: 'conflict', path: ['apps', j, 'restart', 'retryFailed', 'max'], value: retryFailed['max'], message: `is less than min (${retryFailed['min']})`, allowed: `a number of seconds ≥ min` });
    }
    const backoff = isRecord(app['restart']) ? app['restart']['backoff'] : undefined;
    if (isRecord(backoff) && typeof backoff['min'] === 'number' && typeof backoff['max'] === 'number' && backoff['max'] < backoff['min']) {
      out.push({ kind: 'conflict', path: ['apps', j, 'restart', 'backoff', 'max'], value: backoff['max'], message: `is less than min (${backoff['min']})`, allowed: `a number of seconds ≥ min` });
    }
    const processes = typeof app['processesPerApplication'] === 'number' ? app['processesPerApplication'] : 1;
    const maxProcesses = app['maxProcesses'];
    if (typeof maxProcesses === 'number' && maxProcesses !== 0 && maxProcesses < processes) {
      out.push({ kind: 'conflict', path: ['apps', j, 'maxProcesses'], value: maxProcesses, message: `is less than processesPerApplication (${processes}), the floor of an elastic app`, allowed: `0 (a fixed count) or a whole number ≥ processesPerApplication` });
    }
    const liveness = app['liveness'];
    const readiness = app['readiness'];
    if (isRecord(liveness) && liveness['kind'] === 'watchdog' && !(isRecord(readiness) && readiness['kind'] === 'notify')) {
      out.push({
        kind: 'conflict',
        path: ['apps', j, 'liveness', 'kind'],
        value: 'watchdog',
        message: 'needs readiness { kind: "notify" }: the WATCHDOG=1 keep-alives come on the notify channels',
        allowed: 'readiness { kind: "notify" }, or liveness { kind: "http", path }',
      });
    }
    if (typeof app['user'] === 'string' || typeof app['group'] === 'string') out.push(...checkAccount(app, j));
    const auth = app['auth'];
    if (isRecord(auth) && auth['type'] === 'jwt') {
      const sources = ['publicKeyFile', 'jwksFile', 'secret', 'secretEnv'].filter((key) => auth[key] !== undefined);
      if (sources.length !== 1) {
        out.push({
          kind: 'conflict',
          path: ['apps', j, 'auth'],
          value: auth,
          message: sources.length === 0 ? 'has no key source' : `has ${sources.length} key sources (${sources.join(', ')})`,
          allowed: 'exactly one of publicKeyFile, jwksFile, secret, secretEnv',
        });
      }
    }
    const loop = isRecord(auth) ? checkAuthLoop(auth, j, listeners) : undefined;
    if (loop) out.push(loop);
    if (isRecord(auth) && auth['type'] === 'client-cert' && !requestCert) {
      out.push({ kind: 'conflict', path: ['apps', j, 'auth', 'type'], value: 'client-cert', message: 'needs a listener that asks for client certificates', allowed: 'a listener with tls.requestCert: true' });
    }
  }
  return out;
}

/** An app's `user` and `group`: known here, and one Portico may switch to. */
function checkAccount(app: Record<string, unknown>, j: number): RawProblem[] {
  const user = app['user'];
  const group = app['group'];
  if (typeof user !== 'string') {
    return [{ kind: 'missing', path: ['apps', j, 'user'], message: 'is required with group: a group alone does not say who runs the backend', allowed: 'a user name or id' }];
  }
  const account = lookupAccount(user, typeof group === 'string' ? group : undefined);
  if (typeof account === 'string') return [{ kind: 'refused', path: ['apps', j, typeof group === 'string' && account.includes('group') ? 'group' : 'user'], value: account.includes('group') ? group : user, message: account, allowed: 'an account of this system' }];
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && (account.uid !== uid || account.gid !== process.getgid?.())) {
    return [{ kind: 'conflict', path: ['apps', j, 'user'], value: user, message: 'names another account than Portico\'s own, and only root may run a process as another user', allowed: 'Portico\'s own user, or start Portico as root' }];
  }
  if (app['listenMode'] === 'unix') {
    return [{ kind: 'conflict', path: ['apps', j, 'listenMode'], value: 'unix', message: 'is not available with user: the socket folder is Portico\'s own (mode 0700)', allowed: '"tcp" or "socket-activation"' }];
  }
  return [];
}

/**
 * A file or folder the config names that is not there, or not of its kind: said as what it is (a
 * FIFO where an htpasswd file was, a loop of symbolic links), which "is not a file" and "does not
 * exist" did not say.
 */
export function checkPathExists(kind: 'file' | 'directory', resolved: string, original: string, path: KeyPath): RawProblem | undefined {
  let found: Stats | undefined;
  let failure: unknown;
  try {
    found = statSync(resolved);
  } catch (error) {
    failure = error;
  }
  const right = kind === 'file' ? found?.isFile() : found?.isDirectory();
  if (right) return undefined;
  const where = resolved === original ? '' : ` (resolved to ${resolved})`;
  const code = (failure as NodeJS.ErrnoException | undefined)?.code;
  const what = found
    ? kind === 'file' ? `is ${fileKind(found)}, not a regular file` : 'is not a directory'
    : code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : whyUnreadable(failure);
  return {
    kind: 'file',
    path,
    value: original,
    message: `${what}${where}`,
    allowed: `an existing ${kind}, absolute or relative to the config file`,
  };
}
