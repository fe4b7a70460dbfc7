const unreserved = /%(2[dD]|2[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/**
 * The path used to choose an app: percent-encoded unreserved characters decoded (RFC 3986
 * §6.2.2.2), so `/%61dmin` is matched as `/admin` and cannot slip past the `/admin` app's
 * authenticator to the app at `/`. Returns undefined for a path that still holds a dot-segment
 * (`/a/../admin`, `/./x`), which the caller refuses with 400 rather than guessing how a backend
 * would resolve it, also where an encoded slash or backslash (`%2F`, `%5C`) would make the
 * separator (`/a/..%2Fadmin`). The path forwarded to the backend is the one the client sent.
 */
export function normaliseRequestPath(path: string): string | undefined {
  const query = path.indexOf('?');
  const raw = query === -1 ? path : path.slice(0, query);
  if (!raw.includes('%')) return hasDotSegment(raw) ? undefined : raw;
  const decoded = raw.replace(unreserved, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16)));
  // Many backends decode `%2F` (and on Windows `%5C`) into a separator before they resolve the
  // path, so `/a/..%2f..%2fx` climbs two levels there; the app is still chosen by the path as
  // sent, with those escapes kept (an encoded slash is no separator to the router).
  return hasDotSegment(decoded) || hasDotSegment(decoded.replace(encodedSeparator, '/')) ? undefined : decoded;
}

const encodedSeparator = /%(?:2[fF]|5[cC])/g;

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Whether a `/`-separated segment of `path` is `.` or `..`: each dot that starts a segment is
 * looked at, so a path without dots (most) costs one search and no split (it runs per request).
 */
function hasDotSegment(path: string): boolean {
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    if (dot > 0 && path.charCodeAt(dot - 1) !== SLASH) continue;
    const end = path.charCodeAt(dot + 1) === DOT ? dot + 2 : dot + 1;
    if (end === path.length || path.charCodeAt(end) === SLASH) return true;
  }
  return false;
}
