import { isLoopback } from '../../isLoopback.ts';

/** SP and HTAB at either end: the only optional whitespace of a header value (RFC 9110 §5.6.3). */
const OWS_AT_ENDS = /^[ \t]+|[ \t]+$/g;

/**
 * The admin port is reachable from any browser on the machine, so a web page could point a DNS
 * name it controls at 127.0.0.1 (DNS rebinding) and then read `/status` or post `/reload` as a
 * same-origin request. The browser still sends the attacker's name in `Host`, so answering only
 * Host values that are loopback names or addresses, or names the operator configured, closes that
 * door. See https://en.wikipedia.org/wiki/DNS_rebinding.
 */
export function isAllowedHost(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return false;
  const name = hostName(header);
  if (name === undefined) return false;
  // localhost's subdomains too: a browser resolves them to loopback itself (RFC 6761 §6.3), so
  // a page of the attacker's cannot have its own name resolve there.
  return allowed.has(name) || isLoopback(name) || name.endsWith('.localhost');
}

/**
 * The name of a `Host` or `Origin` value, lower case, without port or IPv6 brackets. Only SP and
 * HTAB around it are optional whitespace: not `trim()`, which also strips U+00A0, the latin1 0xA0
 * byte of the wire (docs/proxy.md, whitespace is SP and HTAB only).
 */
export function hostName(value: string): string | undefined {
  const v = value.replace(OWS_AT_ENDS, '').toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0 || (end + 1 < v.length && !/^:\d{1,5}$/.test(v.slice(end + 1)))) return undefined;
    return v.slice(1, end);
  }
  const m = /^([a-z0-9._-]+)(?::\d{1,5})?$/.exec(v);
  return m?.[1]?.replace(/\.$/, '');
}

