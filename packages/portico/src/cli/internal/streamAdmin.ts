import http from 'node:http';
import { CommandFailure } from '../CommandFailure.ts';
import { ExitCode } from '../ExitCode.ts';
import type { AdminTarget } from './adminTarget.ts';
import { refusal, silent, unreachable } from './askAdmin.ts';
import { connectDeadline } from './connectDeadline.ts';
import { defaultSilenceMs } from './silenceLimit.ts';

/** A streamed answer of the admin endpoint, read a line at a time. */
export interface AdminStream {
  /** Resolves when the answer ends (or `stop()` was called); rejects when the connection is lost. */
  readonly ended: Promise<void>;
  stop(): void;
}

/**
 * `GET path` on the admin endpoint, calling `onLine` with each line of a 200 answer as it comes
 * (`application/x-ndjson`). Any other status is read whole and handed to `onRefused`, which
 * returns the failure to reject with; 401 and 403 are failures of their own, as in `askAdmin`.
 * The connection must be made, and the answer's head come, within 10 s each: a frozen Portico
 * (SIGSTOP) takes the request and says nothing. After it, silence is a follow with no new line.
 */
export function streamAdmin(target: AdminTarget, path: string, onLine: (line: string) => void, onRefused: (status: number, body: string) => CommandFailure): AdminStream {
  let req: http.ClientRequest | undefined;
  let stopped = false;
  const ended = new Promise<void>((resolve, reject) => {
    req = http.request(
      {
        ...('socketPath' in target ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
        path,
        agent: false,
        headers: { Accept: 'application/x-ndjson', ...('token' in target && target.token ? { Authorization: `Bearer ${target.token}` } : {}) },
      },
      (res) => {
        req?.setTimeout(0);
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          if (res.statusCode !== 200) return;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line !== '') onLine(line);
        });
        res.on('error', (error) => (stopped ? resolve() : reject(unreachable(target, error))));
        res.on('aborted', () => (stopped ? resolve() : reject(new CommandFailure(`Portico's admin endpoint at ${target.url}/ stopped answering`, ExitCode.unavailable))));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status === 200) return resolve();
          reject(refusal(target, status, pending) ?? onRefused(status, pending));
        });
      },
    );
    const connection = connectDeadline(req, defaultSilenceMs);
    req.setTimeout(defaultSilenceMs, () => req?.destroy(Object.assign(new Error('silent'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      stopped ? resolve() : reject(error.code === 'ETIMEDOUT' && connection.connected() ? silent(target, defaultSilenceMs, false) : unreachable(target, error, defaultSilenceMs)),
    );
    req.end();
  });
  return {
    ended,
    stop: () => {
      stopped = true;
      req?.destroy();
    },
  };
}
