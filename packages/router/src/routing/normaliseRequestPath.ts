const unreserved = /%(2[dD]|2[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/**
 * The path used to choose an app: percent-encoded unreserved characters decoded (RFC 3986
 * §6.2.2.2), so `/%61dmin` is matched as `/admin` and cannot slip past the `/admin` app's
 * authenticator to the app at `/`; and an encoded slash (`%2F`) matched as the separator that WSGI
 * servers (PATH_INFO is decoded), Go's net/http and others read it as, so `/admin%2Fusers`, their
 * `/admin/users`, cannot either (nginx matches its locations after decoding too). Returns
 * undefined for a path that holds a dot-segment (`/a/../admin`, `/./x`, `/a/..%2Fadmin`), which
 * the caller refuses with 400 rather than guessing how a backend would resolve it, also where an
 * encoded backslash would make the separator, as on Windows servers (`/a/..%5Cadmin`), or once
 * path parameters are dropped (`/a/..;/admin`: Tomcat, Jetty and Spring drop `;…` from each
 * segment before they resolve dot-segments). The path forwarded to the backend is the one the
 * client sent.
 */
export function normaliseRequestPath(path: string): string | undefined {
  const query = path.indexOf('?');
  const raw = query === -1 ? path : path.slice(0, query);
  if (!raw.includes('%')) return hasDotSegment(raw) ? undefined : raw;
  const decoded = raw.replace(unreserved, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16))).replace(encodedSlash, '/');
  return hasDotSegment(decoded) || hasDotSegment(decoded.replace(encodedBackslash, '/')) ? undefined : decoded;
}

const encodedSlash = /%2[fF]/g;
const encodedBackslash = /%5[cC]/g;

const SLASH = 0x2f;
const DOT = 0x2e;
const SEMICOLON = 0x3b;

/**
 * Whether a `/`-separated segment of `path` is `.` or `..`, its path parameters (`;…`) dropped:
 * each dot that starts a segment is looked at, so a path without dots (most) costs one search and
 * no split (it runs per request).
 */
function hasDotSegment(path: string): boolean {
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    if (dot > 0 && path.charCodeAt(dot - 1) !== SLASH) continue;
    const end = path.charCodeAt(dot + 1) === DOT ? dot + 2 : dot + 1;
    if (end === path.length || path.charCodeAt(end) === SLASH || path.charCodeAt(end) === SEMICOLON) return true;
  }
  return false;
}
