import type { Http1ParseError } from '../../http1/Http1ParseError.ts';
import type { BodyFraming, UpgradeRequest } from '../../http1/RequestHead.ts';
import { isToken } from './charTables.ts';
import { CHUNKED, NO_BODY } from './framings.ts';
import { parseConnectionTokens } from './parseConnectionTokens.ts';
import { parseContentLength, splitList } from './parseContentLength.ts';
import { isValidHost } from './parseRequestTarget.ts';
import { appendValue, NO_VALUES } from './valueLists.ts';

export interface RequestSemantics {
  readonly host: string | undefined;
  readonly body: BodyFraming;
  readonly keepAlive: boolean;
  readonly connectionTokens: readonly string[];
  readonly expectContinue: boolean;
  readonly upgrade: UpgradeRequest | undefined;
}

const fail = (status: Http1ParseError['status'], reason: string): Http1ParseError => ({ status, reason });

const framingNames = new Set(['content-length', 'transfer-encoding', 'host']);
const websocketKey = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/**
 * The head-wide rules of RFC 9112 §3.2 and §6: one Host, one unambiguous framing, and the
 * connection options. Every ambiguity is a refusal, never a guess.
 */
export function interpretRequestFields(
  method: string,
  version: '1.0' | '1.1',
  headers: ReadonlyArray<readonly [string, string]>,
): RequestSemantics | Http1ParseError {
  // Most heads carry only Host and a few ordinary fields: the lists are made when first needed.
  let contentLength = NO_VALUES;
  let transferEncoding = NO_VALUES;
  let connection = NO_VALUES;
  let expect = NO_VALUES;
  let upgrade = NO_VALUES;
  let wsKey = NO_VALUES;
  let wsVersion = NO_VALUES;
  let host: string | undefined;
  let hostCount = 0;
  for (const [name, value] of headers) {
    switch (name) {
      case 'content-length': contentLength = appendValue(contentLength, value); break;
      case 'transfer-encoding': transferEncoding = appendValue(transferEncoding, value); break;
      case 'host': host ??= value; hostCount++; break;
      case 'connection': connection = appendValue(connection, value); break;
      case 'expect': expect = appendValue(expect, value); break;
      case 'upgrade': upgrade = appendValue(upgrade, value); break;
      case 'sec-websocket-key': wsKey = appendValue(wsKey, value); break;
      case 'sec-websocket-version': wsVersion = appendValue(wsVersion, value); break;
      default:
        // `Transfer_Encoding` or `Content.Length` are other headers to us but the same one to
        // WSGI/PHP/Rack backends that normalise names (gunicorn#2799): refuse, never forward.
        if ((name.includes('_') || name.includes('.')) && framingNames.has(name.replace(/[_.]/g, '-'))) {
          return fail(400, `header "${name}" imitates a framing header`);
        }
    }
  }

  if (hostCount > 1) return fail(400, 'more than one Host header');
  if (version === '1.1' && host === undefined) return fail(400, 'HTTP/1.1 request without Host');
  if (host !== undefined && !isValidHost(host)) return fail(400, 'invalid Host header');

  let body: BodyFraming = NO_BODY;
  if (transferEncoding.length > 0) {
    // RFC 9112 §6.1 allows "TE wins, then close"; we refuse both, as the safest reading (CL.TE / TE.CL).
    if (contentLength.length > 0) return fail(400, 'both Transfer-Encoding and Content-Length');
    // RFC 9112 §6.1: HTTP/1.0 cannot carry chunked; the framing is faulty.
    if (version === '1.0') return fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
    // Two TE lines (Node CVE-2020-8287) may be read differently by each hop.
    if (transferEncoding.length > 1) return fail(400, 'more than one Transfer-Encoding header');
    const codings = splitList(transferEncoding).map((c) => c.toLowerCase());
    // `,chunked` is read as chunked by some and not by others (HTTP Garden transducer bug 18).
    if (codings.some((c) => !isToken(c))) return fail(400, 'malformed Transfer-Encoding');
    if (codings.at(-1) !== 'chunked') {
      return codings.includes('chunked')
        ? fail(400, 'chunked is not the final transfer coding')
        : fail(501, 'transfer coding is not implemented');
    }
    if (codings.length > 1) return fail(501, 'only "Transfer-Encoding: chunked" is implemented');
    body = CHUNKED;
  } else if (contentLength.length > 0) {
    const length = parseContentLength(contentLength);
    if (typeof length === 'string') return fail(400, length);
    body = { kind: 'length', length };
  }

  const connectionTokens = connection === NO_VALUES ? NO_VALUES : parseConnectionTokens(connection);
  if (connectionTokens === undefined) return fail(400, 'malformed Connection header');
  const close = connectionTokens.includes('close');
  const keepAlive = version === '1.1' ? !close : !close && connectionTokens.includes('keep-alive');

  let expectContinue = false;
  if (expect.length > 0) {
    const members = splitList(expect).map((m) => m.toLowerCase());
    if (members.some((m) => m !== '100-continue')) return fail(417, 'only "Expect: 100-continue" is supported');
    // RFC 9110 §10.1.1: a server MUST NOT send 100 Continue to an HTTP/1.0 client.
    expectContinue = version === '1.1';
  }

  let upgradeRequest: UpgradeRequest | undefined;
  if (upgrade.length > 0) {
    const protocols = splitList(upgrade).filter((p) => p.length > 0);
    const wantsWebsocket = protocols.some((p) => p.toLowerCase() === 'websocket');
    if (!wantsWebsocket || !connectionTokens.includes('upgrade')) {
      upgradeRequest = { kind: 'other', protocols };
    } else {
      const reason = checkWebsocket(method, version, protocols, wsKey, wsVersion, body);
      upgradeRequest = reason === undefined
        ? { kind: 'websocket', key: wsKey[0]! }
        : { kind: 'invalid-websocket', reason };
    }
  }

  return { host, body, keepAlive, connectionTokens, expectContinue, upgrade: upgradeRequest };
}

/** RFC 6455 §4.1 client handshake requirements. */
function checkWebsocket(
  method: string,
  version: '1.0' | '1.1',
  protocols: readonly string[],
  keys: readonly string[],
  versions: readonly string[],
  body: BodyFraming,
): string | undefined {
  if (method !== 'GET') return 'a WebSocket handshake must use GET';
  if (version !== '1.1') return 'a WebSocket handshake needs HTTP/1.1';
  if (protocols.length !== 1) return 'Upgrade must name websocket alone';
  if (versions.length !== 1 || versions[0] !== '13') return 'Sec-WebSocket-Version must be 13';
  if (keys.length !== 1 || !websocketKey.test(keys[0]!)) return 'Sec-WebSocket-Key must be 16 bytes in base64';
  if (body.kind === 'chunked' || (body.kind === 'length' && body.length > 0)) return 'a WebSocket handshake cannot carry a body';
  return undefined;
}
