import type http from 'node:http';
import type { ChartAsset } from './chartLibrary.ts';

/**
 * A static file of the page (the chart library) with its ETag, and `304` without a body when the
 * browser's copy matches (RFC 9110 §13.1.2: `If-None-Match` is a list, compared weakly; `*`
 * matches any). `no-cache` lets the browser keep the file but ask each time: the path carries no
 * version, so a copy kept without asking could outlive an upgrade of the package. The CSP is the
 * page's (`'self'` admits the file by origin), so a cached file changes nothing it allows; the page
 * and the live data stay `no-store`.
 */
export function serveAsset(req: http.IncomingMessage, res: http.ServerResponse, asset: ChartAsset): void {
  const headers = { ETag: asset.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (matches(req.headers['if-none-match'], asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const bytes = Buffer.from(asset.body);
  res.writeHead(200, { ...headers, 'Content-Type': asset.type, 'Content-Length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/**
 * SP and HTAB at either end, the only optional whitespace of a header value (RFC 9110 §5.6.3);
 * not `trim()`, which also strips U+00A0, a 0xA0 byte of the wire read as latin1.
 */
const OWS_AT_ENDS = /^[ \t]+|[ \t]+$/g;

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.replace(OWS_AT_ENDS, '') === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.replace(OWS_AT_ENDS, '').replace(/^W\//, '') === etag);
}
