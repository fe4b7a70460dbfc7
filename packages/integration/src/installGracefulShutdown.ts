import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionError } from './errors.ts';
import { logSafely } from './internal/logSafely.ts';
import { onShutdownRequest } from './internal/shutdownRequests.ts';
import { defaultLogger, type PorticoLogger } from './PorticoLogger.ts';

/** A server that can stop gracefully: `http` and `https` servers, or anything shaped like them. */
export interface ClosableServer {
  close(callback?: (error?: Error) => void): unknown;
  on(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

export interface GracefulShutdownOptions {
  /**
   * How long in-flight requests may take, in milliseconds, before their connections are cut;
   * 8000 by default, inside Portico's default `shutdownTimeLimit` of 10 s, after which the whole
   * process group is killed.
   */
  readonly graceTime?: number;
  /** The signals that start the shutdown; `['SIGTERM']` by default (add `SIGINT` for Ctrl-C). */
  readonly signals?: readonly NodeJS.Signals[];
  /** Runs after the server has closed, before the exit: close pools, flush logs. */
  readonly cleanup?: () => unknown;
  /** Exit the process with code 0 at the end; true by default. */
  readonly exit?: boolean;
  /** Receives `portico.integration.shutdown_*` lines; `console.error` by default. */
  readonly logger?: PorticoLogger;
}

export interface GracefulShutdown {
  /** Starts the shutdown (what SIGTERM does); every call returns the same promise. */
  shutdown(reason?: string): Promise<void>;
  readonly shuttingDown: boolean;
}

const installed = new WeakMap<ClosableServer, GracefulShutdown>();
/** Shutdowns under way in this process: with two servers, the first done must not exit for both. */
const draining = new Set<Promise<void>>();

/**
 * Stops `server` gracefully on SIGTERM, and on the `compat: "aspnetcore"` shutdown request: it
 * stops accepting connections, closes idle keep-alive connections, answers requests that arrive
 * on busy ones with `Connection: close`, lets in-flight requests finish, runs `cleanup`, and
 * exits with code 0, all within `graceTime`: after it, the remaining connections are cut, a
 * hanging `cleanup` is abandoned, and the process exits 0 anyway. With several servers installed,
 * the process exits once all of them have drained. Installing twice on one server returns the
 * first installation.
 *
 * @example
 * const server = http.createServer(withPortico(handler));
 * installGracefulShutdown(server, { cleanup: () => db.end() });
 * await listen(server);
 */
export function installGracefulShutdown(server: ClosableServer, options: GracefulShutdownOptions = {}): GracefulShutdown {
  const existing = installed.get(server);
  if (existing) return existing;
  const graceTime = options.graceTime ?? 8000;
  if (!Number.isFinite(graceTime) || graceTime < 0) {
    throw new InvalidOptionError('graceTime', `must be a number of milliseconds ≥ 0, got ${String(graceTime)}`);
  }
  const signals: readonly NodeJS.Signals[] = options.signals ?? ['SIGTERM'];
  // Through `unknown`: Array.isArray narrows a readonly array to `any[]`.
  if (!Array.isArray(signals as unknown)) throw new InvalidOptionError('signals', 'must be an array of signal names');
  const logger = options.logger ?? defaultLogger;

  const inFlight = new Set<ServerResponse>();
  let stopping: Promise<void> | undefined;

  server.on('request', (_req, res) => {
    inFlight.add(res);
    if (stopping && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      // Its connection is idle now; Node sets `_httpMessage` to null after this tick.
      if (stopping) setImmediate(() => server.closeIdleConnections?.());
    });
  });

  const shutdown = (reason = 'requested'): Promise<void> => {
    if (stopping) return stopping;
    const drained = drain(reason);
    if (options.exit === false) {
      stopping = drained;
      return stopping;
    }
    draining.add(drained);
    stopping = drained.then(async () => {
      await Promise.all(draining);
      logSafely(logger, 'info', 'portico.integration.shutdown_finished: exiting with code 0');
      process.exit(0);
    });
    return stopping;
  };

  async function drain(reason: string): Promise<void> {
    logSafely(logger, 'info', `portico.integration.shutdown_started: ${reason}; ${inFlight.size} request(s) in flight, grace time ${graceTime} ms`);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), graceTime);
      // Never the reason the process stays up.
      timer.unref();
    });
    if ((await Promise.race([closeServer(), graceOver])) === 'grace over') {
      server.closeAllConnections?.();
      logSafely(logger, 'error', `portico.integration.shutdown_forced: requests still running after ${graceTime} ms; their connections were cut`);
    } else {
      logSafely(logger, 'info', 'portico.integration.shutdown_drained: the server has closed and its requests have finished');
    }
    const cleanup = Promise.resolve()
      .then(() => options.cleanup?.())
      .then(
        () => 'done' as const,
        (error: unknown) => {
          const why = error instanceof Error ? error.message : String(error);
          logSafely(logger, 'error', `portico.integration.shutdown_cleanup_failed: ${why}`);
          return 'done' as const;
        },
      );
    if ((await Promise.race([cleanup, graceOver])) === 'grace over') {
      logSafely(logger, 'error', `portico.integration.shutdown_forced: cleanup still running after ${graceTime} ms`);
    }
    clearTimeout(timer);
  }

  function closeServer(): Promise<'closed'> {
    return new Promise((resolve) => {
      // A server that was never listening reports ERR_SERVER_NOT_RUNNING: it is closed too.
      server.close(() => resolve('closed'));
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      server.closeIdleConnections?.();
    });
  }

  const onSignal = (signal: NodeJS.Signals) => void shutdown(signal);
  // process.on, not once: a second SIGTERM must not fall through to Node's default exit.
  for (const signal of signals) process.on(signal, onSignal);
  onShutdownRequest((reason) => void shutdown(reason));

  const handle: GracefulShutdown = {
    shutdown,
    get shuttingDown() {
      return stopping !== undefined;
    },
  };
  installed.set(server, handle);
  return handle;
}
