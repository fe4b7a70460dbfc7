import type { Identity } from '../Authenticator.ts';

export interface RenderOptions {
  readonly compat?: 'aspnetcore';
  readonly maxClaimsBytes?: number;
}

export type Rendered =
  | { readonly headers: [string, string][]; readonly droppedClaimsBytes: number; readonly refused?: undefined }
  | { readonly refused: string };

export const defaultMaxClaimsBytes = 4096;

// The field-value grammar of RFC 9110 §5.5 as bytes; anything else splits or ends a header
// (undici CVE-2022-31150, node CVE-2018-12116).
const headerSafe = /^[\t\x20-\x7e\x80-\xff]*$/;
const nonAscii = /[^\x00-\x7f]/;
const nonAsciiGlobal = /[\u0080-\uffff]/g;
const control = /[\x00-\x08\x0a-\x1f\x7f]/;
const edgeWhitespace = /^[\t ]|[\t ]$/;

/** Text to the byte string a header carries: UTF-8, one char per byte, as node:http writes latin1. */
export function toHeaderBytes(text: string): string {
  return nonAscii.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

export function isHeaderSafe(value: string): boolean {
  return headerSafe.test(value);
}

/** One pass over an identity: either every header, checked, or the name of the one refused. */
export function renderIdentityHeaders(identity: Identity, options: RenderOptions | undefined): Rendered {
  const user = toHeaderBytes(identity.user);
  if (user === '' || edgeWhitespace.test(user) || !headerSafe.test(user)) return { refused: 'x-portico-user' };
  const headers: [string, string][] = [
    ['x-portico-user', user],
    ['x-portico-auth', identity.scheme],
  ];
  let droppedClaimsBytes = 0;
  const claims = identity.claims;
  if (claims !== undefined) {
    if (hasControl(claims, 0)) return { refused: 'x-portico-claims' };
    let json: string;
    try {
      json = JSON.stringify(claims);
    } catch {
      return { refused: 'x-portico-claims' };
    }
    // ASCII-only JSON: the value means the same to every backend whatever charset it assumes.
    json = json.replace(nonAsciiGlobal, escapeUnicode);
    if (json.length <= (options?.maxClaimsBytes ?? defaultMaxClaimsBytes)) headers.push(['x-portico-claims', json]);
    else droppedClaimsBytes = json.length;
  }
  const der = identity.clientCertificateDer;
  if (der !== undefined) {
    const base64 = der.toString('base64');
    headers.push(['x-portico-client-cert', base64]);
    if (options?.compat === 'aspnetcore') headers.push(['ms-aspnetcore-clientcert', base64]);
  }
  const extra = identity.extraHeaders;
  if (extra !== undefined) {
    for (const [name, value] of extra) {
      if (!headerSafe.test(value)) return { refused: name };
      headers.push([name, value]);
    }
  }
  return { headers, droppedClaimsBytes };
}

function escapeUnicode(char: string): string {
  return '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0');
}

// Claims travel as JSON, which would escape a newline harmlessly; they are refused anyway, so a
// backend that decodes the JSON and logs or re-emits a value never meets a control character.
function hasControl(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return control.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (depth > 32) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (hasControl(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (control.test(key) || hasControl((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}
