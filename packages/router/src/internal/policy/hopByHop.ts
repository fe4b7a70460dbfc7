/**
 * Whether a lower-case header name is hop-by-hop (RFC 9110 §7.6.1) or framing that Portico
 * recomputes for each hop: such a header never passes a hop as it was sent, in either direction.
 * A switch, not a Set: a name fresh from the parser would otherwise be hashed for the lookup.
 */
export function isHopByHop(name: string): boolean {
  switch (name) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'te':
    case 'trailer':
    case 'transfer-encoding':
    case 'content-length':
    case 'upgrade':
      return true;
    default:
      return false;
  }
}
