import { AUTHORITY, HEX, TARGET } from './charTables.ts';

export type ParsedTarget =
  | { readonly form: 'origin'; readonly path: string }
  | { readonly form: 'asterisk'; readonly path: '*' }
  | { readonly form: 'absolute'; readonly path: string; readonly scheme: 'http' | 'https'; readonly authority: string };

/** Checks target bytes and `%XX` escapes; returns the reason when refused. */
function checkTargetBytes(s: string, from: number): string | undefined {
  let inQuery = false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TARGET[c] !== 1) return `invalid byte 0x${c.toString(16).padStart(2, '0')} in request-target`;
    if (c === 0x3f) inQuery = true;
    else if (c === 0x25) {
      if (HEX[s.charCodeAt(i + 1)] !== 1 || HEX[s.charCodeAt(i + 2)] !== 1) return 'malformed percent-encoding in request-target';
      // A backend that decodes the path into a C string ends it there (`/x.php%00.jpg`): nginx
      // refuses it in the path too, and passes it in the query, as Portico does.
      if (!inQuery && s.charCodeAt(i + 1) === 0x30 && s.charCodeAt(i + 2) === 0x30) return 'an encoded NUL (%00) in the request-target\'s path';
    }
  }
  return undefined;
}

/**
 * RFC 9112 §3.2 request-target forms. Origin-form must start with exactly one `/`: `//host/x` is
 * read as a network-path by URL resolvers (undici CVE-2022-35949, http-proxy-middleware
 * CVE-2024-21536). Authority-form is never accepted here because CONNECT is refused earlier.
 */
export function parseRequestTarget(target: string, method: string): ParsedTarget | string {
  const first = target.charCodeAt(0);
  if (first === 0x2f) {
    if (target.charCodeAt(1) === 0x2f) return 'request-target starts with "//"';
    const bad = checkTargetBytes(target, 0);
    return bad ?? { form: 'origin', path: target };
  }
  if (target === '*') {
    return method === 'OPTIONS' ? { form: 'asterisk', path: '*' } : 'asterisk-form is only allowed for OPTIONS';
  }
  const lower = target.slice(0, 8).toLowerCase();
  const schemeLength = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : 0;
  if (schemeLength === 0) return 'request-target is neither origin-form nor absolute-form';
  let end = schemeLength;
  while (end < target.length && target[end] !== '/' && target[end] !== '?') end++;
  const authority = target.slice(schemeLength, end);
  if (authority.length === 0) return 'absolute-form target has no host';
  // Userinfo in the authority (`http://a@b/`) opened intranets through Apache (CVE-2011-3368).
  if (authority.includes('@')) return 'absolute-form target carries userinfo';
  if (!isValidHost(authority)) return 'absolute-form target has an invalid host';
  let path = target.slice(end);
  if (path.length === 0 || path[0] === '?') path = `/${path}`;
  if (path.startsWith('//')) return 'absolute-form path starts with "//"';
  const bad = checkTargetBytes(path, 0);
  if (bad !== undefined) return bad;
  return { form: 'absolute', path, scheme: schemeLength === 7 ? 'http' : 'https', authority };
}

// An IP literal is a plain IPv6 address (an embedded IPv4 one included): a zone id (RFC 6874,
// `[fe80::1%25eth0]`) names an interface of the client's machine (RFC 4007 §6) and IPvFuture
// (`[v1.x]`) no IP that exists, so both are refused, deliberately stricter than RFC 3986 and nginx.
const hostPattern = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]{0,5})?$/;

/**
 * RFC 9110 §7.2 Host / RFC 3986 authority without userinfo, naming a host: an "http" URI with an
 * empty host is invalid, and its recipient must reject it (RFC 9110 §4.2.1), and a name with an
 * empty label (`a..b`, `.a`) is no DNS name; nginx refuses both. A final dot (`a.example.`, a fully
 * qualified name) and a colon without a port (`a:`, RFC 3986's `port = *DIGIT`) are allowed; a
 * percent must start an escape (`%2D`), never `%zz` or `%00`.
 */
export function isValidHost(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || AUTHORITY[c] !== 1) return false;
    // A percent is an escape of two hex digits (RFC 3986 §2.1), and never an encoded NUL.
    if (c === 0x25 && (HEX[value.charCodeAt(i + 1)] !== 1 || HEX[value.charCodeAt(i + 2)] !== 1 || value.slice(i + 1, i + 3) === '00')) return false;
  }
  if (!hostPattern.test(value)) return false;
  if (value.charCodeAt(0) === 0x5b) return true; // an IP literal, its brackets checked by the pattern
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  return name.length > 0 && name.charCodeAt(0) !== 0x2e && !name.includes('..');
}
