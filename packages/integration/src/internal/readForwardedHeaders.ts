import type { IncomingHttpHeaders } from 'node:http';
import type { CompatMode } from '../readPorticoEnvironment.ts';
import type { PorticoRequestInfo } from '../PorticoRequestInfo.ts';
import { porticoHeaders as h } from '../porticoHeaders.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds `req.portico` from the headers of a request whose token was valid. */
export function readForwardedHeaders(headers: IncomingHttpHeaders, compat: CompatMode | undefined): PorticoRequestInfo {
  const certificate = last(headers[h.clientCertificate]) ?? (compat === 'aspnetcore' ? last(headers[h.compatClientCertificate]) : undefined);
  return {
    clientAddress: withoutPort(last(headers[h.forwardedFor])),
    protocol: last(headers[h.forwardedProto])?.toLowerCase(),
    host: last(headers[h.forwardedHost]),
    port: toPort(last(headers[h.forwardedPort])),
    prefix: last(headers[h.forwardedPrefix]),
    requestId: text(headers[h.requestId]),
    user: decodeUtf8(text(headers[h.user])),
    authScheme: text(headers[h.authScheme]),
    claims: toClaims(decodeUtf8(text(headers[h.claims]))),
    clientCertificate: certificate === undefined || certificate === '' ? undefined : Buffer.from(certificate, 'base64'),
  };
}

function text(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(', ') : value;
  return joined === undefined || joined === '' ? undefined : joined;
}

/** The whitespace after a list's comma (RFC 9110 §5.6.1): SP and HTAB only, never `trim()`'s U+00A0. */
const LEADING_OWS = /^[ \t]+/;

// Portico replaces the X-Forwarded-* chain, but a hop in between could append to it: only the
// right-most entry is the one Portico wrote (HAProxy's "last occurrence only" rule). Node's parser
// strips the whitespace around each field line's value (RFC 9112 §5.1), so the last entry ends
// clean and only the whitespace after its comma is left to skip.
function last(value: string | string[] | undefined): string | undefined {
  const joined = text(value);
  if (joined === undefined) return undefined;
  const entry = joined.slice(joined.lastIndexOf(',') + 1).replace(LEADING_OWS, '');
  return entry === '' ? undefined : entry;
}

// The ASP.NET Core Module writes `addr:port` and `[v6]:port`; Portico writes the bare address.
function withoutPort(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return v4 ? v4[1] : address;
}

function toPort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port <= 65535 ? port : undefined;
}

// Node reads header bytes as latin1; Portico sends identity values as UTF-8 bytes.
function decodeUtf8(value: string | undefined): string | undefined {
  if (value === undefined || !/[^\x00-\x7f]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function toClaims(value: string | undefined): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
