import { createHash } from 'node:crypto';
import type { UpgradeRequest } from '../../http1/RequestHead.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';

/** RFC 6455 §1.3: the GUID a server appends to the key before hashing it. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Why a backend's 101 does not open a tunnel, or undefined when it completes the handshake Portico
 * sent: a 101 to a request that asked for no WebSocket, or one that fails a check RFC 6455 §4.1
 * has a client make (`Upgrade: websocket`, `Connection: upgrade`, and `Sec-WebSocket-Accept` the
 * hash of the key sent). A backend that did not read the handshake cannot give that hash: a 101
 * without it is a status passed on from elsewhere (an SSRF-induced 101, 0ang3el/websocket-smuggle),
 * and a tunnel opened on it would carry the client's next bytes to the backend as raw HTTP
 * requests that no rule of Portico's saw. nginx tunnels on any 101; every engine of Portico asks
 * this first, and answers 502 instead.
 */
export function switchProblem(upgrade: UpgradeRequest | undefined, res: ResponseHead): string | undefined {
  if (upgrade?.kind !== 'websocket') return 'backend answered 101 to a request that asked for no WebSocket';
  // Each must be one line: two are a list, which names no one protocol or hash.
  const upgrades = res.headers.filter(([name]) => name === 'upgrade');
  const accepts = res.headers.filter(([name]) => name === 'sec-websocket-accept');
  if (upgrades.length !== 1 || upgrades[0]![1].toLowerCase() !== 'websocket') return 'backend\'s 101 has no "Upgrade: websocket"';
  if (!res.connectionTokens.includes('upgrade')) return 'backend\'s 101 has no "Connection: upgrade"';
  const expected = createHash('sha1').update(upgrade.key + WEBSOCKET_GUID).digest('base64');
  if (accepts.length !== 1 || accepts[0]![1] !== expected) return 'backend\'s 101 has a Sec-WebSocket-Accept that is not the hash of the key sent';
  return undefined;
}
