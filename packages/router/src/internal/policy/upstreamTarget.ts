/** A percent-encoded unreserved character, which the router decodes before matching (RFC 3986 §6.2.2.2). */
const unreserved = /^%(2[dD]|2[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])$/;

/**
 * The request-target sent upstream, for every engine: the client's path and query as sent, or,
 * for an app that strips its mount path (`stripPrefix`), what follows `prefix`: `/asgi/items?x`
 * becomes `/items?x`, and `/asgi` or `/asgi?x` becomes `/` or `/?x`. The router matched the prefix
 * on the decoded path, so the same number of decoded characters is taken off the raw one:
 * `/%61sgi/x` becomes `/x`, and what follows keeps the client's own encoding.
 */
export function upstreamTarget(path: string, prefix: string | undefined): string {
  if (prefix === undefined || prefix === '/') return path;
  let at = 0;
  for (let taken = 0; taken < prefix.length && at < path.length; taken++) {
    at += path[at] === '%' && unreserved.test(path.slice(at, at + 3)) ? 3 : 1;
  }
  const rest = path.slice(at);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
