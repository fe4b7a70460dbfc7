import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AuthOutcome, AuthRequest, Identity } from '../../Authenticator.ts';
import type { ConfigReader } from '../ConfigReader.ts';
import { deny, repeated, singleHeader } from '../failures.ts';
import type { Mechanism, MechanismContext } from '../Mechanism.ts';
import { isHeaderSafe } from '../renderIdentityHeaders.ts';
import { carriesMark, subrequestMarkHeader } from './carriesMark.ts';
import { LruCache } from './LruCache.ts';
import { readForwardConfig, type ForwardSettings } from './readForwardConfig.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An auth_request-style subrequest: `GET url` with the caller's Authorization and Cookie and
 * `x-original-method` / `x-original-uri`. 2xx allows, 401/403 deny with the service's challenge,
 * anything else (or no answer in time) is a 502. Allow decisions may be cached; identical
 * concurrent requests share one subrequest.
 */
export function createForwardMechanism(reader: ConfigReader, context: MechanismContext): Mechanism {
  const settings = readForwardConfig(reader);
  const secure = settings.url.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const cache = settings.cacheTtlMs > 0 ? new LruCache<AuthOutcome>(settings.cacheSize) : undefined;
  const inFlight = new Map<string, Promise<AuthOutcome>>();
  const active = new Set<ClientRequest>();
  const origin = settings.url.origin;
  const mark = Buffer.from(context.subrequestMark, 'latin1');

  async function authenticate(request: AuthRequest): Promise<AuthOutcome> {
    const authorization = singleHeader(request.headers, 'authorization');
    if (authorization === repeated) return deny(401, 'forward: more than one Authorization header');
    const cookie = joinCookies(request.headers);
    const digest = createHash('sha256');
    if (settings.cacheScope === 'request') digest.update(request.method).update('\0').update(request.target).update('\0');
    const key = digest.update(authorization ?? '').update('\0').update(cookie ?? '').digest('base64');

    const cached = cache?.get(key, context.clock());
    if (cached !== undefined) return cached;
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = ask(settings, request, authorization, cookie).then((outcome) => {
        if (outcome.ok && cache !== undefined) cache.set(key, outcome, context.clock() + settings.cacheTtlMs);
        return outcome;
      });
      const settled = pending.finally(() => inFlight.delete(key));
      inFlight.set(key, settled);
      return settled;
    }
    return pending;
  }

  function ask(
    s: ForwardSettings,
    request: AuthRequest,
    authorization: string | undefined,
    cookie: string | undefined,
  ): Promise<AuthOutcome> {
    const headers: Record<string, string> = {
      'x-original-method': request.method,
      'x-original-uri': request.target,
      'x-forwarded-for': request.remoteAddress,
    };
    if (authorization !== undefined) headers['authorization'] = authorization;
    if (cookie !== undefined) headers['cookie'] = cookie;
    for (const name in headers) {
      if (!isHeaderSafe(headers[name]!)) return Promise.resolve(deny(401, `forward: ${name} cannot be sent on`));
    }
    // After the check: the mark is Portico's, not the client's.
    headers[subrequestMarkHeader] = context.subrequestMark;
    return new Promise<AuthOutcome>((resolve) => {
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send(s.url, { method: 'GET', agent, headers });
      active.add(outgoing);
      outgoing.on('close', () => active.delete(outgoing));
      const timer = setTimeout(() => {
        outgoing.destroy();
        resolve(deny(502, `forward: ${origin} did not answer within ${s.timeoutMs} ms`));
      }, s.timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(deny(502, `forward: ${origin} failed (${error.code ?? error.message})`));
      });
      outgoing.on('response', (response) => {
        clearTimeout(timer);
        response.on('error', () => {});
        response.resume();
        resolve(decide(s, response));
      });
      outgoing.end();
    });
  }

  function decide(s: ForwardSettings, response: IncomingMessage): AuthOutcome {
    const status = response.statusCode ?? 0;
    if (status === 401 || status === 403) {
      const challenges = status === 401 ? (response.headersDistinct['www-authenticate'] ?? []) : [];
      return deny(status, `forward: ${origin} answered ${status}`, challenges);
    }
    if (status < 200 || status > 299) return deny(502, `forward: ${origin} answered ${status}`);
    const raw = response.headers[s.userHeader];
    if (typeof raw !== 'string' || raw === '') return deny(502, `forward: ${origin} allowed without a ${s.userHeader} header`);
    // Header bytes arrive as latin1 text; the service sends UTF-8. Bytes that are not UTF-8 are
    // refused, not replaced: with U+FFFD, zoë and zoé written as latin1 were one user.
    let user: string;
    try {
      user = utf8.decode(Buffer.from(raw, 'latin1'));
    } catch {
      return deny(502, `forward: ${origin} answered with a ${s.userHeader} header that is not UTF-8; send the name's UTF-8 bytes (from Node: Buffer.from(user).toString('latin1'), as node:http writes a string one byte per character)`);
    }
    let extraHeaders: [string, string][] | undefined;
    for (const name of s.copyHeaders) {
      const value = response.headers[name];
      if (value === undefined) continue;
      extraHeaders ??= [];
      extraHeaders.push([name, Array.isArray(value) ? value.join(', ') : value]);
    }
    const identity: Identity = extraHeaders === undefined ? { user, scheme: 'forward' } : { user, scheme: 'forward', extraHeaders };
    return { ok: true, identity };
  }

  return {
    authenticate,
    loopsBack(request: AuthRequest): boolean {
      if (!carriesMark(request, mark)) return false;
      context.report('auth.loop_detected', { scheme: 'forward', url: settings.url.href, remoteAddress: request.remoteAddress });
      return true;
    },
    reservedHeaders: settings.copyHeaders,
    async close(): Promise<void> {
      for (const outgoing of active) outgoing.destroy();
      agent.destroy();
      await Promise.allSettled(inFlight.values());
      cache?.clear();
    },
  };
}

function joinCookies(headers: AuthRequest['headers']): string | undefined {
  let cookie: string | undefined;
  for (let i = 0; i < headers.length; i++) {
    const line = headers[i]!;
    if (line[0] === 'cookie') cookie = cookie === undefined ? line[1] : `${cookie}; ${line[1]}`;
  }
  return cookie;
}
