/**
 * A percent-encoded character the router decodes before matching: an unreserved one (RFC 3986
 * §6.2.2.2), or the slash that backends read `%2F` as (normaliseRequestPath).
 */
const decodedForMatch = /^%(2[dD]|2[eE]|2[fF]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])$/;
const encodedSlash = /^%2[fF]/;

/**
 * The request-target sent upstream, for every engine: the client's path and query as sent, or,
 * for an app that strips its mount path (`stripPrefix`), what follows `prefix`: `/asgi/items?x`
 * becomes `/items?x`, and `/asgi` or `/asgi?x` becomes `/` or `/?x`. The router matched the prefix
 * on the decoded path, so the same number of decoded characters is taken off the raw one:
 * `/%61sgi/x` becomes `/x`, and what follows keeps the client's own encoding; an encoded slash
 * right after the prefix is the separator it was matched as: `/asgi%2Fitems` becomes `/items`.
 */
export function upstreamTarget(path: string, prefix: string | undefined): string {
  if (prefix === undefined || prefix === '/') return path;
  let at = 0;
  for (let taken = 0; taken < prefix.length && at < path.length; taken++) {
    at += path[at] === '%' && decodedForMatch.test(path.slice(at, at + 3)) ? 3 : 1;
  }
  const rest = path.slice(at);
  if (encodedSlash.test(rest)) return `/${rest.slice(3)}`;
  return rest.startsWith('/') ? rest : `/${rest}`;
}
