import { randomBytes } from 'node:crypto';
import type { RequestHead } from '../../http1/RequestHead.ts';
import type { RequestHeadParser } from '../../http1/RequestHeadParser.ts';
import { WRITABLE_VALUE } from '../http1/checkOutboundFields.ts';

/** An HTTP/2 request mapped to an HTTP/1.1 head, or why it is malformed (a stream error, answered 400 or as the framer says). */
export type Http2RequestVerdict =
  | { readonly kind: 'head'; readonly head: RequestHead }
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string };

/** RFC 9110 token characters, lower case only: HTTP/2 field names are lower case (RFC 9113 §8.2.1). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** RFC 9110 token characters: a method. */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a request-target may not carry: controls, space, DEL and bytes past ASCII (the framer refuses them too). */
const BAD_TARGET = /[\0-\x20\x7f-\uffff]/;

/**
 * Connection-specific fields make an HTTP/2 message malformed (RFC 9113 §8.2.2): an intermediary
 * that copied them into HTTP/1.1 would hand the backend a framing (`transfer-encoding`, H2.TE) or
 * an upgrade the client never negotiated with Portico.
 */
function isConnectionSpecific(name: string): boolean {
  return name === 'connection' || name === 'proxy-connection' || name === 'keep-alive' || name === 'transfer-encoding' || name === 'upgrade';
}

function refused(reason: string, status = 400): Http2RequestVerdict {
  return { kind: 'refused', status, reason };
}

/**
 * Maps one HTTP/2 request's header list (Node's raw `[name, value, …]`, in order) to the HTTP/1.1
 * head a backend gets, by RFC 9113 §8: `:method` and `:path` make the request line, `:authority`
 * the `Host` (a `host` field that names another authority is refused), `cookie` lines are joined
 * with `"; "`, and the body's framing is the client's `content-length` or, when the client may
 * still send DATA and gave none, chunked. Everything RFC 9113 calls malformed is refused before
 * any text is made, so no name or value can smuggle a line break into the head (the downgrade
 * attacks: CRLF in a value, request-line injection through `:method` or `:path`). The text then
 * goes through Portico's own HTTP/1.1 framer, so an HTTP/2 request meets every rule an HTTP/1.1
 * one does (docs/proxy.md, What the framer refuses).
 *
 * `streamEnded`: the HEADERS frame ended the stream, so there is no body. An extended CONNECT
 * with `:protocol websocket` (RFC 8441) becomes an RFC 6455 handshake (`GET` with `upgrade`,
 * `connection`, a fresh `sec-websocket-key` and version 13), its stream carrying the WebSocket
 * once the backend answers 101; any other `:protocol` is 501.
 */
export function readHttp2RequestHead(raw: readonly string[], streamEnded: boolean, parser: RequestHeadParser): Http2RequestVerdict {
  let endStream = streamEnded;
  let method: string | undefined;
  let path: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let protocol: string | undefined;
  let host: string | undefined;
  let contentLength: string | undefined;
  let cookies: string | undefined;
  let fields = '';
  let regular = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    // RFC 9113 §8.2.1 with the HTTP/1.1 framer's bytes: NUL, CR, LF, another control or DEL, SP or
    // HTAB at either end; and a char past 0xFF, which the latin1 head would write as another byte
    // (U+0141 as "A"; node:http2 hands values over one char per byte, so only a bug could send one).
    if (!WRITABLE_VALUE.test(value)) return refused(`field ${JSON.stringify(name)} has a control character, a char past 0xFF or surrounding whitespace in its value`);
    if (name.charCodeAt(0) === 0x3a) {
      // Pseudo-header fields come first and once each (RFC 9113 §8.3).
      if (regular) return refused(`pseudo-header ${name} after a regular field`);
      switch (name) {
        case ':method':
          if (method !== undefined) return refused('two :method fields');
          method = value;
          break;
        case ':path':
          if (path !== undefined) return refused('two :path fields');
          path = value;
          break;
        case ':scheme':
          if (scheme !== undefined) return refused('two :scheme fields');
          scheme = value;
          break;
        case ':authority':
          if (authority !== undefined) return refused('two :authority fields');
          authority = value;
          break;
        case ':protocol':
          if (protocol !== undefined) return refused('two :protocol fields');
          protocol = value;
          break;
        default:
          return refused(`unknown pseudo-header ${JSON.stringify(name)}`);
      }
      continue;
    }
    regular = true;
    if (!FIELD_NAME.test(name)) return refused(`field name ${JSON.stringify(name)} is not a lower-case token`);
    if (isConnectionSpecific(name)) return refused(`connection-specific field "${name}"`);
    if (name === 'te') {
      if (value !== 'trailers') return refused('te other than "trailers"');
      continue;
    }
    if (name === 'host') {
      if (host !== undefined) return refused('two host fields');
      host = value;
      continue;
    }
    if (name === 'cookie') {
      // RFC 9113 §8.2.3: HTTP/1.1 allows one Cookie line.
      cookies = cookies === undefined ? value : `${cookies}; ${value}`;
      continue;
    }
    // An extended CONNECT carries no key (RFC 8441 §4); Portico makes the HTTP/1.1 handshake's own.
    if (name === 'sec-websocket-key' || (name === 'sec-websocket-version' && method === 'CONNECT')) {
      if (name === 'sec-websocket-key') return refused('sec-websocket-key on HTTP/2');
      continue;
    }
    if (name === 'content-length') {
      if (contentLength !== undefined) return refused('two content-length fields');
      contentLength = value;
    }
    fields += `${name}: ${value}\r\n`;
  }
  if (protocol !== undefined) {
    // Extended CONNECT (RFC 8441 §4): a WebSocket, sent to the backend as an RFC 6455 handshake.
    if (method !== 'CONNECT') return refused(':protocol on a request that is not CONNECT');
    if (protocol !== 'websocket') return refused(`:protocol ${JSON.stringify(protocol)} is not supported`, 501);
    if (contentLength !== undefined && contentLength !== '0') return refused('a WebSocket CONNECT with a body');
    method = 'GET';
    fields = `upgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ${randomBytes(16).toString('base64')}\r\nsec-websocket-version: 13\r\n${fields}`;
    endStream = true;
  }
  // A reverse proxy is not a tunnel (RFC 9113 §8.5 CONNECT carries no :path or :scheme).
  if (method === 'CONNECT') return refused('CONNECT', 405);
  if (method === undefined || path === undefined || scheme === undefined) return refused('missing :method, :path or :scheme');
  if (!METHOD.test(method)) return refused(':method is not a token');
  if (path.length === 0 || BAD_TARGET.test(path)) return refused(':path is empty or has a space, a control or a non-ASCII byte');
  // Origin-form or `*` only (RFC 9113 §8.3.1); the authority is :authority's to carry.
  if (path.charCodeAt(0) !== 0x2f && path !== '*') return refused(':path is neither origin-form nor "*"');
  if (scheme !== 'http' && scheme !== 'https') return refused(':scheme is neither http nor https');
  if (authority !== undefined && host !== undefined && host !== authority) return refused('host names another authority than :authority');
  const hostLine = authority ?? host;
  if (hostLine === undefined || hostLine.length === 0) return refused('no :authority and no host');
  if (endStream && contentLength !== undefined && contentLength !== '0') return refused('content-length without DATA');
  if (cookies !== undefined) fields += `cookie: ${cookies}\r\n`;
  // A body of unknown length goes to the backend chunked, as an HTTP/1.1 client would send it.
  if (!endStream && contentLength === undefined) fields += 'transfer-encoding: chunked\r\n';
  const text = `${method} ${path} HTTP/1.1\r\nhost: ${hostLine}\r\n${fields}\r\n`;
  const result = parser.push(Buffer.from(text, 'latin1'));
  if (result.kind === 'head') {
    if (result.rest.length > 0) return refused('request head could not be re-read');
    return { kind: 'head', head: result.head };
  }
  if (result.kind === 'error') return refused(result.reason, result.status);
  // A complete head the parser still wants more of would be a parser bug: refuse, never guess, and
  // forget what it holds: the parser is the connection's, and its next stream's head would begin
  // with these lines.
  parser.reset();
  return refused('request head could not be re-read');
}
