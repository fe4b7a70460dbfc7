import { isSpoofableNormalised, type HeaderPolicy } from './isSpoofableHeader.ts';
import { trimOws } from './trimOws.ts';
import { foldFlags, hasSeparator, normaliseHeaderName } from './normaliseHeaderName.ts';

/** A request header as the router holds it: lower-case name, raw value. */
export type HeaderLine = readonly [name: string, value: string];

export interface StripInboundOptions extends HeaderPolicy {
  /**
   * The router has validated a WebSocket upgrade (GET, `Upgrade: websocket`, version 13, a key):
   * keep `upgrade: websocket` lines and put one `connection: upgrade` where the first Connection
   * line was. Any other Upgrade value (`h2c`…) is still removed. Default `false`.
   */
  readonly keepWebSocketUpgrade?: boolean;
}

/**
 * RFC 9110 §7.6.1 plus the legacy ones proxies still see; matched on the folded name, so
 * `Transfer_Encoding` goes too (PortSwigger's smuggling permutations use it). A switch, not a
 * Set: every header of every request is looked up, and a name folded for it would be hashed.
 */
function isHopByHop(name: string): boolean {
  switch (name) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'te':
    case 'trailer':
    case 'transfer-encoding':
    case 'upgrade':
    case 'proxy-authorization':
      return true;
    default:
      return false;
  }
}

// A Connection token may drop only what is really hop-by-hop for the client; these define the
// request itself (Traefik CVE-2024-45410, golang/go#50580 dropped the proxy's own headers).
const notRemovableByToken = new Set(['host', 'content-length']);

const upgradeLine: HeaderLine = ['connection', 'upgrade'];

/**
 * Cleans an inbound request head before Portico adds its own headers. Removes, in one pass:
 * every hop-by-hop header (Connection, Keep-Alive, Proxy-Connection, TE, Trailer,
 * Transfer-Encoding, Upgrade, Proxy-Authorization, in any spelling); every header named by a token
 * of any Connection line (case-insensitive, all lines), except Host and Content-Length; and every
 * header {@link isSpoofableHeader} reports. Everything else is kept, in order.
 *
 * Call it on the head as received, then append Portico's headers: a Connection token can then
 * never remove a header the proxy sets, because those are not in the list yet. Returns a new
 * array holding the caller's own tuples; the input is not touched. The router must frame the body
 * from its own parse, since Transfer-Encoding is removed here.
 *
 * @example
 * stripInboundHeaders([['connection', 'x-a'], ['x-a', '1'], ['x_portico_user', 'root'], ['accept', '*\/*']], {});
 * // → [['accept', '*\/*']]
 */
export function stripInboundHeaders(
  headers: ReadonlyArray<HeaderLine>,
  options: StripInboundOptions = {},
): HeaderLine[] {
  const keepUpgrade = options.keepWebSocketUpgrade === true;
  let tokens: Set<string> | undefined;
  let websocket = false;
  for (let i = 0; i < headers.length; i++) {
    const line = headers[i]!;
    const name = line[0];
    // Only a 10-letter name can fold to "connection", only a 7-letter one to "upgrade".
    if (name.length === 10 && normaliseHeaderName(name) === 'connection') {
      const value = line[1];
      // "keep-alive" and "close" name nothing that survives anyway: skip the split.
      if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') continue;
      for (const raw of value.split(',')) {
        const token = normaliseHeaderName(trimOws(raw));
        if (token === '' || token === 'close' || isHopByHop(token)) continue;
        tokens ??= new Set();
        tokens.add(token);
      }
    } else if (keepUpgrade && name === 'upgrade' && isWebSocket(line[1])) {
      websocket = true;
    }
  }

  const kept: HeaderLine[] = [];
  let connectionWritten = false;
  for (let i = 0; i < headers.length; i++) {
    const line = headers[i]!;
    const name = line[0];
    const flags = foldFlags(name);
    const normalised = normaliseHeaderName(name, flags);
    if (isHopByHop(normalised)) {
      if (websocket) {
        if (name === 'upgrade' && isWebSocket(line[1])) kept.push(line);
        else if (normalised === 'connection' && !connectionWritten) {
          kept.push(upgradeLine);
          connectionWritten = true;
        }
      }
      continue;
    }
    if (tokens !== undefined && tokens.has(normalised) && !notRemovableByToken.has(normalised)) continue;
    if (isSpoofableNormalised(normalised, (flags & hasSeparator) !== 0, options)) continue;
    kept.push(line);
  }
  return kept;
}

function isWebSocket(value: string): boolean {
  return trimOws(value).toLowerCase() === 'websocket';
}
