import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { chartAssetPaths } from './chartLibrary.ts';
import { isAllowedHost } from './isAllowedHost.ts';

/** Why a request to the admin endpoint is refused: its status and a message that says what to do. */
export interface Refusal {
  readonly status: 401 | 403;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * What every TCP client may read without a token: an orchestrator's probes, the page's empty
 * shell, and the chart library it loads (a published npm package; a script tag sends no token).
 */
const open = new Set(['/healthz', '/readyz', '/', ...chartAssetPaths]);

/** The WebSocket subprotocol the status page offers; the token travels as a second one, `bearer.TOKEN`. */
export const liveProtocol = 'portico-admin';

export interface AccessRules {
  /** Host names besides loopback ones that `Host` may carry. */
  readonly allowedHosts: ReadonlySet<string>;
  /** The bearer token TCP clients must send; `undefined` leaves TCP open (an embedder's choice). */
  readonly token: string | undefined;
}

/**
 * The admin endpoint's access rules, in the order they apply (docs/admin.md, Security):
 *
 * 1. `Host` must be a loopback name or address, or an allowed name (against DNS rebinding).
 * 2. `Origin`, when a browser sends one, must be this very origin: scheme, host and port. A page
 *    on another port of the same machine (an app behind Portico) must not post `/reload`.
 * 3. Over TCP, every path but `/healthz`, `/readyz`, the page's shell and its chart library needs the bearer token
 *    (`Authorization: Bearer …`, or the `bearer.…` subprotocol for `/live`): any local user can
 *    connect to a loopback port. The unix socket needs none; its file mode keeps others out.
 * 4. A token sent is checked on those open paths too, and another one refused as anywhere else
 *    (RFC 6750, 3.1, `invalid_token`): a probe or script with a stale token hears so at once,
 *    not when it first asks for more than `/healthz`. Without one they are open.
 */
export function refusal(req: http.IncomingMessage, path: string, viaSocket: boolean, rules: AccessRules): Refusal | undefined {
  const host = req.headers.host;
  if (!isAllowedHost(host, rules.allowedHosts)) {
    return { status: 403, message: `Host ${JSON.stringify(host ?? '(none)')} is not served here: use a loopback address or a name in allowedHosts` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host!)) {
    return { status: 403, message: `Origin ${JSON.stringify(origin)} may not use the admin endpoints: only pages of http://${host} may` };
  }
  if (viaSocket || rules.token === undefined) return undefined;
  const given = presentedToken(req);
  if (given === undefined) {
    if (open.has(path)) return undefined;
    return {
      status: 401,
      message: 'this admin endpoint needs its bearer token: send "Authorization: Bearer TOKEN" (portico reads PORTICO_ADMIN_TOKEN), or use the unix socket (portico status -c FILE)',
      headers: { 'WWW-Authenticate': 'Bearer realm="portico-admin"' },
    };
  }
  if (!sameSecret(given, rules.token)) {
    return {
      status: 401,
      message: `the bearer token is not this admin endpoint's: send its token (admin.tokenFile, admin.tokenEnv, or the admin-token file Portico made)${open.has(path) ? `, or none for ${path}` : ''}`,
      headers: { 'WWW-Authenticate': 'Bearer realm="portico-admin", error="invalid_token"' },
    };
  }
  return undefined;
}

/**
 * Whether a TCP request that `refusal` let through admits its connection to hold a place of the
 * port (`AdminConnectionGate.admit`): one that carried the token, to any path, or any when the
 * port asks for none. A request to an open path without the token proves nothing of its client:
 * admitted by a probe, any local user held every place with kept-alive `/healthz` requests, and
 * the token's holders were closed at accept. Such a connection stays waiting, and is drained
 * between its requests as any other.
 */
export function admits(req: http.IncomingMessage, path: string, rules: AccessRules): boolean {
  return rules.token === undefined || !open.has(path) || presentedToken(req) !== undefined;
}

function sameOrigin(origin: string, host: string): boolean {
  // The admin endpoint speaks plain HTTP only, so its one origin is http://HOST[:PORT] as the
  // client wrote Host; anything else, `null` included, is another origin.
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

function presentedToken(req: http.IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
    return match?.[1];
  }
  // Browsers cannot set headers on a WebSocket; the page offers the token as a subprotocol.
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols === undefined) return undefined;
  // Members lose SP and HTAB only, never U+00A0 (a latin1 0xA0 of the wire), which trim() strips.
  const offered = protocols.split(',').map((p) => p.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (!offered.includes(liveProtocol)) return undefined;
  return offered.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compared in constant time, so the answer's timing says nothing about how much was right.
  return a.length === b.length && timingSafeEqual(a, b);
}
