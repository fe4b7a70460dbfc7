import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvalidListenerOptionError, ListenFailedError } from '../errors.ts';
import type { AdminSource, AppCommand, WorkerOutputTail } from './AdminSource.ts';
import { defaultAdminConnectionLimits, type AdminConnectionLimits } from './AdminConnectionLimits.ts';
import { AdminConnectionGate } from './internal/AdminConnectionGate.ts';
import { admits, refusal } from './internal/adminAccess.ts';
import { answerClientError } from './internal/answerClientError.ts';
import type { AdminSocketOptions } from './checkAdminSocketPath.ts';
import { bindAdminSocket } from './internal/bindAdminSocket.ts';
import { hostName } from './internal/isAllowedHost.ts';
import { chartAsset, chartAssetPaths } from './internal/chartLibrary.ts';
import { LiveFeed } from './internal/LiveFeed.ts';
import { MetricsHistory } from './internal/MetricsHistory.ts';
import { serveAsset } from './internal/serveAsset.ts';
import { serveHistory } from './internal/serveHistory.ts';
import { serveOutputLines } from './internal/serveOutputLines.ts';
import { statusPage } from './internal/statusPage.ts';
import { RequestMetrics } from './RequestMetrics.ts';

/**
 * What the admin server logs through: any pino logger fits. A line that is one of Portico's
 * catalogued events (docs/events.md) names it in `event`: `admin.request_failed`,
 * `admin.host_refused`, `admin.connections_limited`.
 */
export interface AdminLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface AdminServerOptions {
  readonly source: AdminSource;
  readonly metrics: RequestMetrics;
  /** Address to bind. Default `127.0.0.1`: the admin port can reload the configuration. */
  readonly host?: string;
  readonly port: number;
  /**
   * Host names, besides loopback ones and `host`, that requests may carry in `Host` (and
   * `Origin`), e.g. the name an orchestrator's probes use. Lower case, without port.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * The bearer token every TCP request must carry, except `/healthz`, `/readyz`, the page's
   * shell at `/` and its chart library (where one sent must still be this one). Any local user can connect to a loopback port, so Portico always sets one;
   * without it TCP is open to them, which only an embedder whose port is private may choose.
   */
  readonly token?: string;
  /** A unix socket to serve on as well, which needs no token: its file mode is the access control. */
  readonly socket?: AdminSocketOptions;
  /**
   * What clients of the TCP port may hold: connections, connections with no request admitted
   * yet, and the time a head may take (docs/admin.md, Security). Default 512, 64 and 10 s.
   */
  readonly limits?: AdminConnectionLimits;
  readonly logger?: AdminLogger;
}

export interface AdminServer {
  /** Binds the port (and the socket); resolves with the bound address. A second call returns the first's promise. */
  start(): Promise<{ host: string; port: number; socket?: string }>;
  /** Closes the live sockets and the server. Idempotent: a second call waits for the first. */
  close(): Promise<void>;
}

/**
 * While a request is being worked on (a reload's rollout, an app's drain), a `102 Processing`
 * this often to a client that asks with `Portico-Progress: 102`: a client tells a slow answer from
 * a frozen Portico by silence (`portico reload` gives up after 10 s of it), so no bound on the
 * whole wait cuts an honest rollout short.
 */
const progressIntervalMs = 1000;

/** Samples of the page's history, one every `historyIntervalMs`: five minutes. */
const historySamples = 300;
const historyIntervalMs = 1000;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/**
 * The admin endpoints on `node:http`: `/status`, `/metrics`, `/healthz`, `/readyz`, `POST /reload`, `/logs`,
 * `POST /apps/NAME/restart`, `/stop` and `/start`,
 * the live status page at `/` and its WebSocket `/live`. See docs/admin.md.
 *
 * @example
 * const admin = createAdminServer({ source, metrics, port: 9901 });
 * const { port } = await admin.start();
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  validate(options);
  const { source, metrics, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const allowed = new Set<string>((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  if (host !== '0.0.0.0' && host !== '::') allowed.add(hostName(host.includes(':') ? `[${host}]` : host) ?? host);
  const refusedHosts = new Set<string>();
  // The page's charts: one sample a second, the last five minutes (docs/admin.md, The status page).
  const history = new MetricsHistory(historySamples);
  const live = new LiveFeed({ source, metrics, history, minIntervalMs: 100, rateIntervalMs: historyIntervalMs, onError: (err) => logger?.error({ event: 'admin.request_failed', path: '/live', err }, 'admin: status() threw') });
  let reloading = false;

  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/': { GET: (_req, res) => send(res, 200, 'text/html; charset=utf-8', statusPage.html, statusPage.headers) },
    '/status': {
      GET: async (_req, res) => {
        await source.refresh?.();
        sendJson(res, 200, source.status());
      },
    },
    '/history': { GET: (req, res) => serveHistory(req, history, historyIntervalMs, (status, json) => send(res, status, 'application/json; charset=utf-8', json)) },
    ...Object.fromEntries(
      chartAssetPaths.map((path) => [path, { GET: (req: http.IncomingMessage, res: http.ServerResponse) => serveAsset(req, res, chartAsset(path)!) }]),
    ),
    '/metrics': {
      GET: async (_req, res) => {
        await source.refresh?.();
        send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metrics.render(source.status(), source.logWriteFailures?.()));
      },
    },
    '/healthz': { GET: (_req, res) => send(res, 200, 'text/plain; charset=utf-8', 'ok') },
    '/readyz': {
      GET: (_req, res) => {
        if (source.ready()) return sendJson(res, 200, { ready: true });
        const notReady = source.status().apps.filter((a) => a.eager && a.state !== 'ready').map((a) => ({ app: a.name, state: a.state }));
        sendJson(res, 503, { ready: false, notReady });
      },
    },
    '/reload': {
      POST: async (_req, res) => {
        if (reloading) return sendJson(res, 409, { ok: false, errors: ['a reload is already in progress; try again when it has finished'] });
        reloading = true;
        try {
          const result = await source.reload();
          if (result.ok) logger?.info({}, 'admin: configuration reloaded');
          else logger?.warn({ errors: result.errors }, 'admin: reload refused');
          // 502: the config was applied but an app's new workers did not start; 400: it was refused.
          const failedRollouts = result.ok ? undefined : result.failedRollouts;
          const status = result.ok ? 200 : failedRollouts?.length ? 502 : 400;
          sendJson(res, status, result.ok ? { ok: true } : { ok: false, errors: result.errors, ...(failedRollouts?.length ? { failedRollouts } : {}) });
        } catch (error) {
          logger?.error({ event: 'admin.request_failed', path: '/reload', err: error }, 'admin: reload threw');
          sendJson(res, 500, { ok: false, errors: [(error as Error)?.message ?? String(error)] });
        } finally {
          reloading = false;
        }
      },
    },
    '/logs': {
      GET: (req, res) => {
        const app = new URL(req.url ?? '/', 'http://admin').searchParams.get('app');
        if (!source.logs) return send(res, 501, 'text/plain; charset=utf-8', 'this Portico keeps no output tails');
        if (!app) return send(res, 400, 'text/plain; charset=utf-8', 'name the app: GET /logs?app=NAME');
        const tails = source.logs(app);
        if (!tails) return send(res, 404, 'text/plain; charset=utf-8', `no app named ${JSON.stringify(app)}; GET /status lists the apps`);
        // `portico logs` asks for JSON to tell the workers apart reliably; a person with curl gets text.
        if (/\bapplication\/json\b/.test(req.headers.accept ?? '')) return sendJson(res, 200, { app, workers: tails }, { Vary: 'Accept' });
        send(res, 200, 'text/plain; charset=utf-8', logsText(tails), { Vary: 'Accept' });
      },
    },
    '/logs/lines': {
      GET: (req, res) => {
        if (!source.output) return send(res, 501, 'text/plain; charset=utf-8', 'this Portico keeps no output lines');
        serveOutputLines(req, res, source.output, (status, body) => send(res, status, 'text/plain; charset=utf-8', body));
      },
    },
    '/live': { GET: (_req, res) => send(res, 426, 'text/plain; charset=utf-8', 'this is a WebSocket endpoint', { Upgrade: 'websocket', Connection: 'Upgrade' }) },
  };

  /** `POST /apps/NAME/restart`, `/stop` and `/start`: one route per command, the app from the path. */
  function appRoute(path: string): Partial<Record<string, Handler>> | undefined {
    const found = /^\/apps\/([^/]+)\/(restart|stop|start)$/.exec(path);
    if (!found) return undefined;
    let app: string;
    try {
      app = decodeURIComponent(found[1]!);
    } catch {
      return undefined;
    }
    const command = found[2] as AppCommand;
    return {
      POST: async (_req, res) => {
        if (!source.appCommand) return send(res, 501, 'text/plain; charset=utf-8', 'this Portico takes no app commands');
        const result = await source.appCommand(app, command);
        if (result.ok) logger?.info({ app, command }, `admin: app ${command} done`);
        else logger?.warn({ app, command, errors: result.errors }, `admin: app ${command} failed`);
        // 404: no such app; 502: its new workers did not start (after a restart the old ones serve on).
        sendJson(res, result.ok ? 200 : result.notFound ? 404 : 502, result);
      },
    };
  }

  const rules = { allowedHosts: allowed, token: options.token };
  function refuse(req: http.IncomingMessage, path: string, viaSocket: boolean) {
    const refused = refusal(req, path, viaSocket, rules);
    if (refused?.status === 403 && refused.message.startsWith('Host')) {
      const h = req.headers.host ?? '(none)';
      if (refusedHosts.size < 64 && !refusedHosts.has(h)) {
        refusedHosts.add(h);
        logger?.warn({ event: 'admin.host_refused', host: h }, 'admin: request refused for its Host header (add the name to allowedHosts if it is yours)');
      }
    }
    return refused;
  }

  const limits = options.limits ?? defaultAdminConnectionLimits;
  // Logged at the first close and every 1000th after it: a flood costs the log a line per 1000 connections.
  const gate = new AdminConnectionGate(limits, (counts) => {
    if (counts.closed % 1000 === 1) logger?.warn({ event: 'admin.connections_limited', ...counts }, 'admin: a TCP connection was closed to keep the port\'s connection limits (docs/admin.md, Security); the unix socket has none');
  });

  const serve = (viaSocket: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (!viaSocket) {
      // While its reply is written, a connection is not drained to make room (AdminConnectionGate).
      gate.replying(req.socket);
      res.once('close', () => gate.replied(req.socket));
    }
    const refused = refuse(req, path, viaSocket);
    // A refused client gets one answer per connection: it may not hold one by sending head after head.
    if (refused) return send(res, refused.status, 'text/plain; charset=utf-8', refused.message, { ...refused.headers, Connection: 'close' });
    if (!viaSocket && admits(req, path, rules)) gate.admit(req.socket);
    const route = Object.hasOwn(routes, path) ? routes[path] : appRoute(path);
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', `no admin endpoint at ${path}`);
    const method = req.method === 'HEAD' && route.GET ? 'GET' : (req.method ?? '');
    const handler = Object.hasOwn(route, method) ? route[method] : undefined;
    if (!handler) {
      const allow = Object.keys(route).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      return send(res, 405, 'text/plain; charset=utf-8', `${req.method} is not allowed here; use ${allow}`, { Allow: allow });
    }
    // The body of POST /reload is not read: drain it so the connection can be reused.
    req.resume();
    const working = keepSaying(res);
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        logger?.error({ event: 'admin.request_failed', path, err: error }, 'admin: handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error; see the log');
        else res.destroy();
      })
      .finally(working);
  };
  const upgrade = (viaSocket: boolean) => (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const refused = refuse(req, path, viaSocket);
    if (refused || path !== '/live' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      const status = refused ? (refused.status === 401 ? '401 Unauthorized' : '403 Forbidden') : path !== '/live' ? '404 Not Found' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (!viaSocket && admits(req, path, rules)) gate.admit(req.socket);
    live.handleUpgrade(req, socket, head);
  };
  // Node's head deadline counts from the accept for a connection's first head, as nginx's does,
  // but is checked only every connectionsCheckingInterval (30 s by default): every second here.
  const timing = { headersTimeout: limits.headTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(limits.headTimeoutMs / 10))) };
  const server = http.createServer(timing, serve(false));
  server.on('connection', gate.onConnection);
  server.on('upgrade', upgrade(false));
  // Connections answered after a parse error or a head too slow, reading on until they close.
  const lingering = new Set<Duplex>();
  const onClientError = (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, lingering);
  server.on('clientError', onClientError);
  const socketServer = options.socket ? http.createServer(timing, serve(true)) : undefined;
  socketServer?.on('upgrade', upgrade(true));
  socketServer?.on('clientError', onClientError);

  let starting: Promise<{ host: string; port: number; socket?: string }> | undefined;
  let closing: Promise<void> | undefined;

  return {
    start() {
      starting ??= (async () => {
        if (closing) throw new InvalidListenerOptionError('admin', 'cannot be started after close(); create a new admin server');
        await new Promise<void>((resolve, reject) => {
          server.once('error', (error: NodeJS.ErrnoException) => reject(new ListenFailedError(`${host}:${options.port} (admin)`, error.code ?? error.message, error)));
          server.listen(options.port, host, () => resolve());
        });
        try {
          if (socketServer) await bindAdminSocket(socketServer, options.socket!);
        } catch (error) {
          await new Promise((resolve) => server.close(resolve));
          throw error;
        }
        for (const app of source.status().apps) metrics.addApp(app.name);
        live.start();
        const bound = { host, port: (server.address() as AddressInfo).port, ...(options.socket ? { socket: options.socket.path } : {}) };
        logger?.info(bound, 'admin: listening');
        return bound;
      })();
      return starting;
    },
    close() {
      closing ??= (async () => {
        await starting?.catch(() => {});
        await live.close();
        for (const socket of lingering) socket.destroy();
        await Promise.all(
          [server, socketServer].map(
            (s) =>
              new Promise<void>((resolve) => {
                if (!s?.listening) return resolve();
                // Closing a unix socket's server removes its file too.
                s.close(() => resolve());
                s.closeAllConnections();
              }),
          ),
        );
      })();
      return closing;
    },
  };
}

/**
 * Sends `102 Processing` every `progressIntervalMs` until the answer's head is sent, to a request
 * that asks for it (`Portico-Progress: 102`, as the CLI sends); returns the function that stops
 * it. Not unasked: Python's http.client (urllib, requests) takes any 1xx but 100 as the final
 * answer, so a deploy script's POST /reload read a bare 102, a success by its status, while the
 * rollout went on and could fail; Go's before 1.24 gave up after five. Not to HTTP/1.0, which has no
 * interim answers (RFC 9110, 15.2).
 */
function keepSaying(res: http.ServerResponse): () => void {
  if (res.req.headers['portico-progress'] !== '102') return () => {};
  if (res.req.httpVersionMajor === 1 && res.req.httpVersionMinor === 0) return () => {};
  const timer = setInterval(() => {
    if (res.headersSent || res.destroyed) return clearInterval(timer);
    res.writeProcessing();
  }, progressIntervalMs);
  timer.unref();
  res.once('close', () => clearInterval(timer));
  return () => clearInterval(timer);
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

/** Every worker's tail under a `==> shop#1 (pid 4250) <==` line, as `tail` prints several files. */
function logsText(tails: readonly WorkerOutputTail[]): string {
  return tails
    .map((t) => `==> ${t.worker} (${t.pid === undefined ? 'no process' : `pid ${t.pid}`}) <==\n${t.tail}${t.tail === '' || t.tail.endsWith('\n') ? '' : '\n'}`)
    .join('\n');
}

function validate(options: AdminServerOptions): void {
  const { source, metrics, port, host } = options;
  if (!source || typeof source.status !== 'function' || typeof source.ready !== 'function' || typeof source.reload !== 'function' || typeof source.onChange !== 'function') {
    throw new InvalidListenerOptionError('admin.source', 'must implement AdminSource: status(), ready(), reload() and onChange()');
  }
  if (source.logs !== undefined && typeof source.logs !== 'function') throw new InvalidListenerOptionError('admin.source', 'logs must be a function when given');
  if (source.output !== undefined && (typeof source.output?.recent !== 'function' || typeof source.output.subscribe !== 'function')) {
    throw new InvalidListenerOptionError('admin.source', 'output must have recent() and subscribe() when given');
  }
  if (source.appCommand !== undefined && typeof source.appCommand !== 'function') throw new InvalidListenerOptionError('admin.source', 'appCommand must be a function when given');
  if (source.logWriteFailures !== undefined && typeof source.logWriteFailures !== 'function') {
    throw new InvalidListenerOptionError('admin.source', 'logWriteFailures must be a function when given');
  }
  if (!(metrics instanceof RequestMetrics)) throw new InvalidListenerOptionError('admin.metrics', 'must be a RequestMetrics instance');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidListenerOptionError('admin.port', `must be a port number from 0 to 65535, got ${String(port)}`);
  if (host !== undefined && (typeof host !== 'string' || host.length === 0)) throw new InvalidListenerOptionError('admin.host', 'must be a non-empty address, e.g. "127.0.0.1"');
  const { token, socket } = options;
  if (token !== undefined && (typeof token !== 'string' || !/^[A-Za-z0-9._~-]{32,}$/.test(token))) {
    throw new InvalidListenerOptionError('admin.token', 'must be at least 32 characters of letters, digits and -._~ (it travels as a WebSocket subprotocol too)');
  }
  if (socket !== undefined && (typeof socket.path !== 'string' || socket.path === '' || Buffer.byteLength(socket.path) > 107)) {
    throw new InvalidListenerOptionError('admin.socket.path', 'must be a path of at most 107 bytes (the limit of a unix socket address)');
  }
  if (socket?.group !== undefined && (!Number.isInteger(socket.group) || socket.group < 0)) throw new InvalidListenerOptionError('admin.socket.group', 'must be a group id');
  for (const key of ['connections', 'unadmitted', 'headTimeoutMs'] as const) {
    const value = options.limits?.[key];
    if (options.limits !== undefined && (!Number.isInteger(value) || value! < 1)) throw new InvalidListenerOptionError(`admin.limits.${key}`, `must be a whole number above 0, got ${String(value)}`);
  }
  // Node refuses a head deadline past its deadline for the whole request (requestTimeout, 5 minutes).
  if (options.limits !== undefined && options.limits.headTimeoutMs > 300_000) {
    throw new InvalidListenerOptionError('admin.limits.headTimeoutMs', `must be at most 300000 (5 minutes, Node's limit for a whole request), got ${options.limits.headTimeoutMs}`);
  }
}
