import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import type { ResponseHead } from '../../http1/ResponseHead.ts';

const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'content-length', 'upgrade',
]);

/**
 * A backend response's headers as the client gets them: hop-by-hop and framing headers and every
 * header the backend named in Connection removed; all others, every Set-Cookie line included,
 * kept in order with their spelling. `connection` is what Portico decides for the client hop.
 */
export function clientResponseHeaders(head: Pick<ResponseHead, 'headers' | 'rawNames' | 'connectionTokens'>, connection: 'close' | 'keep-alive' | 'upgrade' | undefined): HeaderPair[] {
  const named = head.connectionTokens;
  const out: HeaderPair[] = [];
  for (let i = 0; i < head.headers.length; i++) {
    const [name, value] = head.headers[i]!;
    if (hopByHop.has(name) || (named.length > 0 && named.includes(name))) continue;
    out.push([head.rawNames[i]!, value]);
  }
  if (connection === 'upgrade') out.push(['connection', 'upgrade'], ['upgrade', 'websocket']);
  else if (connection !== undefined) out.push(['connection', connection]);
  return out;
}
