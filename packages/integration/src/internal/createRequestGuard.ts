import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionError, TokenRequiredError } from '../errors.ts';
import { porticoHeaders as h } from '../porticoHeaders.ts';
import { defaultLogger, type PorticoLogger } from '../PorticoLogger.ts';
import { checkCompat, readPorticoEnvironment } from '../readPorticoEnvironment.ts';
import type { RequestCheckOptions } from '../RequestCheckOptions.ts';
import { logSafely } from './logSafely.ts';
import { readForwardedHeaders } from './readForwardedHeaders.ts';
import { requestInfo } from './requestInfo.ts';
import { requestShutdown } from './shutdownRequests.ts';

/** True: hand the request to the app. False: the guard has answered it. */
export type RequestGuard = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createRequestGuard(options: RequestCheckOptions = {}): RequestGuard {
  const compat = checkCompat(options.compat);
  if (options.requireToken !== undefined && typeof options.requireToken !== 'boolean') {
    throw new InvalidOptionError('requireToken', `must be a boolean, got ${typeof options.requireToken}`);
  }
  const logger = options.logger ?? defaultLogger;
  if (typeof logger.error !== 'function') throw new InvalidOptionError('logger', 'must have an error(message) method');

  const environment = readPorticoEnvironment({ ...(options.env && { env: options.env }), ...(compat && { compat }) });
  if (environment.token === undefined) {
    if (options.requireToken === true) {
      throw new TokenRequiredError(compat ? 'PORTICO_TOKEN (or ASPNETCORE_TOKEN)' : 'PORTICO_TOKEN');
    }
    return () => true;
  }

  // Comparing fixed-length digests keeps timingSafeEqual's equal-length rule from leaking the
  // token's length, and keeps the comparison constant-time (the ASP.NET Core Module's own
  // middleware compared ordinally).
  const expected = digest(Buffer.from(environment.token, 'utf8'));
  const tokenHeaders: readonly string[] = compat ? [h.token, h.compatToken] : [h.token];
  const shutdownPath = `${environment.applPath === '/' ? '' : environment.applPath}/iisintegration`.toLowerCase();

  return (req, res) => {
    // Wrapped twice (middleware and handler): the token is gone the second time, by design.
    if (requestInfo.has(req)) return true;
    let presented = 0;
    for (const name of tokenHeaders) {
      const value = req.headers[name];
      if (value === undefined) continue;
      presented += 1;
      if (typeof value !== 'string' || !timingSafeEqual(digest(Buffer.from(value, 'latin1')), expected)) {
        return reject(req, res, logger, `the ${name} header does not match this process's pairing token`);
      }
    }
    if (presented === 0) return reject(req, res, logger, `the ${tokenHeaders.join(' / ')} header is missing`);

    // dotnet/aspnetcore#69425: once checked, the token must not reach the app, its logs or
    // anything it proxies onwards.
    removeHeaders(req, tokenHeaders);
    const info = readForwardedHeaders(req.headers, compat);
    requestInfo.set(req, info);
    req.portico = info;

    if (compat && isShutdownRequest(req, shutdownPath)) {
      logSafely(logger, 'info', 'portico.integration.shutdown_requested: POST iisintegration with MS-ASPNETCORE-EVENT: shutdown');
      res.once('finish', () => requestShutdown('iisintegration'));
      res.statusCode = 202;
      res.end();
      return false;
    }
    return true;
  };
}

// Node decodes header bytes as latin1, so `Buffer.from(value, 'latin1')` is the bytes sent.
function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function removeHeaders(req: IncomingMessage, names: readonly string[]): void {
  for (const name of names) delete req.headers[name];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (names.includes((raw[i] ?? '').toLowerCase())) raw.splice(i, 2);
  }
}

function isShutdownRequest(req: IncomingMessage, shutdownPath: string): boolean {
  if (req.method !== 'POST') return false;
  const path = (req.url ?? '').split('?', 1)[0]?.toLowerCase();
  const event = req.headers[h.compatEvent];
  // Node's parser has already stripped the whitespace around the value (RFC 9112 §5.1).
  return path === shutdownPath && typeof event === 'string' && event.toLowerCase() === 'shutdown';
}

function reject(req: IncomingMessage, res: ServerResponse, logger: PorticoLogger, why: string): false {
  // The body may still be arriving; closing the connection keeps it from being read as a
  // second request.
  res.statusCode = 400;
  res.setHeader('connection', 'close');
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end('Bad Request\n');
  const path = (req.url ?? '').split('?', 1)[0]?.replace(/[^\x21-\x7e]/g, '?').slice(0, 200);
  const from = req.socket.remoteAddress ?? 'a local socket';
  logSafely(logger, 'error', `portico.integration.token_rejected: 400 for ${req.method ?? '?'} ${path} from ${from}: ${why}`);
  return false;
}
