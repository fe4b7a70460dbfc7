import net from 'node:net';

// Node's BlockList reads an address in every form (::1, 0:0:0:0:0:0:0:1, and the IPv4-mapped
// ::ffff:127.0.0.1 and ::ffff:7f00:1, which the URL parser writes), where a pattern missed some.
const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether `name` is a loopback address (127.0.0.0/8, ::1, and their IPv4-mapped forms, with or
 * without the brackets of a URL's host) or `localhost`: what only this machine can reach. A name
 * other than `localhost` is never loopback here, its subdomains included: a resolver may send
 * `auth.localhost` anywhere, so credentials may not go to it in clear text. The one rule of the
 * admin endpoint's Host check, the forward authenticator's `http:` URLs and the config's check of
 * auth loops.
 *
 * @example
 * isLoopback('[::ffff:7f00:1]'); // true
 */
export function isLoopback(name: string): boolean {
  // Brackets hold an IPv6 address, and nothing else (RFC 3986 §3.2.2).
  if (name.startsWith('[') && name.endsWith(']')) return net.isIPv6(name.slice(1, -1)) && loopback.check(name.slice(1, -1), 'ipv6');
  if (name.toLowerCase() === 'localhost') return true;
  const family = net.isIP(name);
  return family !== 0 && loopback.check(name, family === 6 ? 'ipv6' : 'ipv4');
}
