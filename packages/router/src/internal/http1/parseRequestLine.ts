import type { Http1ParseError } from '../../http1/Http1ParseError.ts';
import { SP, TOKEN } from './charTables.ts';
import { parseRequestTarget, type ParsedTarget } from './parseRequestTarget.ts';

export interface RequestLine {
  readonly method: string;
  readonly target: string;
  readonly parsed: ParsedTarget;
  readonly version: '1.0' | '1.1';
}

const fail = (status: Http1ParseError['status'], reason: string): Http1ParseError => ({ status, reason });

/** `method SP request-target SP HTTP-version` with single spaces (RFC 9112 §3). */
export function parseRequestLine(
  text: string,
  start: number,
  end: number,
  methods: ReadonlySet<string>,
): RequestLine | Http1ParseError {
  let i = start;
  while (i < end && TOKEN[text.charCodeAt(i)] === 1) i++;
  if (i === start || i === end || text.charCodeAt(i) !== SP) return fail(400, 'invalid method');
  const method = commonMethod(text, start, i) ?? text.slice(start, i);
  const targetStart = i + 1;
  const targetEnd = text.indexOf(' ', targetStart);
  if (targetEnd === -1 || targetEnd >= end || targetEnd === targetStart) {
    return fail(400, 'request line is not "method SP target SP version"');
  }
  const versionLength = end - targetEnd - 1;
  if (
    versionLength !== 8 ||
    !text.startsWith('HTTP/', targetEnd + 1) ||
    !isDigit(text.charCodeAt(targetEnd + 6)) ||
    text.charCodeAt(targetEnd + 7) !== 0x2e ||
    !isDigit(text.charCodeAt(targetEnd + 8))
  ) {
    return fail(400, 'malformed HTTP version');
  }
  const major = text.charCodeAt(targetEnd + 6) - 0x30;
  const minor = text.charCodeAt(targetEnd + 8) - 0x30;
  if (major !== 1 || minor > 1) return fail(505, `HTTP/${major}.${minor} is not supported`);
  // A reverse proxy is not a tunnel: CONNECT is refused outright (RFC 9110 §9.3.6).
  if (method === 'CONNECT') return fail(405, 'CONNECT is not allowed');
  // TRACK is Microsoft's TRACE, which echoes the request (Portico's token included) back; TRACE
  // itself is refused by the router unless an app allows it (allowTrace).
  if (method === 'TRACK') return fail(405, 'TRACK is not allowed');
  if (!methods.has(method)) return fail(501, `method ${method} is not implemented`);
  const target = text.slice(targetStart, targetEnd);
  const parsed = parseRequestTarget(target, method);
  if (typeof parsed === 'string') return fail(400, parsed);
  return { method, target, parsed, version: minor === 1 ? '1.1' : '1.0' };
}

/**
 * The method as one of the program's own strings when it is GET, POST or HEAD: a new slice per
 * request would be hashed again for the method set and compared byte by byte downstream.
 */
function commonMethod(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  if (length === 3 && text.startsWith('GET', start)) return 'GET';
  if (length === 4) {
    if (text.startsWith('POST', start)) return 'POST';
    if (text.startsWith('HEAD', start)) return 'HEAD';
  }
  return undefined;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
