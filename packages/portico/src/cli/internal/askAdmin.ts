import http from 'node:http';
import { CommandFailure } from '../CommandFailure.ts';
import { ExitCode } from '../ExitCode.ts';
import type { AdminTarget } from './adminTarget.ts';
import { connectDeadline } from './connectDeadline.ts';

export interface AdminAnswer {
  readonly status: number;
  readonly body: string;
}

export interface AskOptions {
  readonly method?: string;
  readonly accept?: string;
  /**
   * Give up after this long with no byte from Portico; none by default. Not a bound on the whole
   * wait: while it works on a request Portico sends `102 Processing` every second, asked for with
   * `Portico-Progress: 102`.
   */
  readonly timeoutMs?: number;
  /** The request changes something (a reload, an app command): a frozen Portico may still do it when it resumes. */
  readonly changes?: boolean;
}

/**
 * One request to the admin endpoint. Failing to connect (within `timeoutMs` too), or a refusal for the `Host` name (403),
 * is a `CommandFailure` with exit status 69; every other answer is returned for the command to read.
 */
export function askAdmin(target: AdminTarget, path: string, options: AskOptions = {}): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...('socketPath' in target ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          ...(options.accept ? { Accept: options.accept } : {}),
          ...('token' in target && target.token ? { Authorization: `Bearer ${target.token}` } : {}),
          ...(options.timeoutMs !== undefined ? { 'Portico-Progress': '102' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', (error) => reject(unreachable(target, error)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const refused = refusal(target, status, body);
          if (refused) return reject(refused);
          resolve({ status, body });
        });
      },
    );
    const connection = connectDeadline(req, options.timeoutMs);
    if (options.timeoutMs !== undefined) {
      // The socket's idle time once connected: each 102 Processing starts it again.
      req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error('silent'), { code: 'ETIMEDOUT' })));
    }
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ETIMEDOUT' && connection.connected() ? silent(target, options.timeoutMs!, options.changes === true) : unreachable(target, error, options.timeoutMs)),
    );
    req.end();
  });
}

/** The failure for a refusal of the endpoint itself: 403 for the `Host`, 401 for the token. */
export function refusal(target: AdminTarget, status: number, body: string): CommandFailure | undefined {
  if (status === 403) return new CommandFailure(`${target.url} refused the request: ${body}`, ExitCode.unavailable);
  if (status !== 401) return undefined;
  const hint = 'token' in target && target.token ? 'PORTICO_ADMIN_TOKEN is not its token' : 'set PORTICO_ADMIN_TOKEN to its token (admin.tokenFile, admin.tokenEnv, or the admin-token file Portico made)';
  return new CommandFailure(`${target.url} asks for its bearer token: ${hint}, or use its unix socket with -c FILE`, ExitCode.unavailable);
}

/**
 * The failure for a connection not made. One that got no answer (`ETIMEDOUT`: the connection
 * bound `waitedMs`, or the kernel's) or no route is the address's, not Portico's: the advice is
 * to check it, and that this machine may reach it.
 */
export function unreachable(target: AdminTarget, error: NodeJS.ErrnoException, waitedMs?: number): CommandFailure {
  if (error.code === 'ETIMEDOUT' || error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') {
    const why =
      error.code === 'ETIMEDOUT'
        ? `no answer to the connection${waitedMs === undefined ? '' : ` within ${waitedMs / 1000} s`}: the host is down, a firewall drops the connection, or the address is not Portico's`
        : `no route to that host (${error.code})`;
    return new CommandFailure(
      `cannot reach Portico's admin endpoint at ${target.url}/ (${why}); check that ${target.url} names the admin endpoint's host and port (admin.host and admin.port in Portico's config) ` +
        'and that this machine may reach them: admin.host 127.0.0.1, the default, takes connections from the same machine only',
      ExitCode.unavailable,
    );
  }
  const why =
    error.code === 'ECONNREFUSED' || error.code === 'ENOENT'
      ? 'nothing listens there'
      : error.code === 'EACCES'
        ? 'permission denied: only Portico\'s user (and admin.socketGroup) may use the socket'
        : (error.code ?? error.message);
  return new CommandFailure(`cannot reach Portico's admin endpoint at ${target.url}/ (${why}); is Portico running, with an "admin" section in its config?`, ExitCode.unavailable);
}

/** The failure for an endpoint that said nothing for `timeoutMs`: a frozen Portico, or none that answers there. */
export function silent(target: AdminTarget, timeoutMs: number, changes: boolean): CommandFailure {
  const seconds = timeoutMs / 1000;
  return new CommandFailure(
    `Portico's admin endpoint at ${target.url}/ said nothing for ${seconds} s (it says it is still at work every second): Portico is frozen, ` +
      'stopped by a signal or a debugger (ps -o stat= -p PID shows T; kill -CONT PID resumes it) or with its event loop blocked, see its log; ' +
      `or what listens there is not Portico${changes ? '. What was asked may still be done when it resumes: portico status shows it' : ''}`,
    ExitCode.unavailable,
  );
}

/** An answer the command did not expect, as a failure with exit status 69. */
export function unexpected(target: AdminTarget, path: string, answer: AdminAnswer): CommandFailure {
  return new CommandFailure(`${target.url}${path} answered ${answer.status}: ${answer.body.slice(0, 500)}`, ExitCode.unavailable);
}
