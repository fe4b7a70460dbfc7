/** Which requests an app serves: a host pattern and a path prefix. */
export interface AppMatch {
  /** `example.com` (exact), `*.example.com` (any subdomain, not the bare domain), or `*` (any). */
  readonly host: string;
  /** A path prefix on a segment boundary: `/shop` serves `/shop`, `/shop/…` and `/shop?…`, not `/shopping`. */
  readonly path: string;
}

/** Lower-cased, without port or trailing dot: the form host patterns are compared in. */
export function normaliseHost(host: string | undefined): string {
  if (!host) return '';
  let name = host.toLowerCase();
  if (name.startsWith('[')) name = name.slice(0, name.indexOf(']') + 1);
  else {
    const colon = name.lastIndexOf(':');
    if (colon !== -1) name = name.slice(0, colon);
  }
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** How specifically a pattern names a host: 0 when it does not match, higher wins. */
export function hostSpecificity(pattern: string, host: string): number {
  if (pattern === '*') return 1;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 ? 1 + pattern.length : 0;
  return pattern === host ? 100_000 : 0;
}

/** Whether `prefix` covers `path` on a segment boundary. */
export function pathMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!path.startsWith(base)) return false;
  const next = path.charCodeAt(base.length);
  return Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */;
}
