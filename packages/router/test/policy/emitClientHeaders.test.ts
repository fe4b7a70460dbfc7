import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSpoofableHeader, normaliseHeaderName, stripInboundHeaders } from '@portico/auth-forwarder';
import { resolveForwarderOptions, type HeaderPair } from '../../src/forward/ForwarderOptions.ts';
import type { RequestHead } from '../../src/http1/RequestHead.ts';
import { RequestHeadParser } from '../../src/http1/RequestHeadParser.ts';
import { clientOrigin } from '../../src/internal/forward/clientOrigin.ts';
import { isHopByHop } from '../../src/internal/policy/hopByHop.ts';
import { emitClientHeaders, type OutboundContext } from '../../src/internal/policy/outboundRequestHeaders.ts';

const REQUEST_RESERVED = new Set(['host', 'http2-settings', 'proxy-authorization', 'expect', 'x-portico-token', 'ms-aspnetcore-token', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-prefix', 'x-request-id']);
const reserved = (name: string): boolean => {
  const folded = normaliseHeaderName(name);
  return isHopByHop(folded) || REQUEST_RESERVED.has(folded);
};
/** A client's own header never goes upstream when it passes for one of Portico's, transform or not; Authorization and x-request-id are decided elsewhere. */
const reservedInbound = (name: string): boolean => reserved(name) || isSpoofableHeader(name, { forwardAuthToken: true, trustRequestId: true });

/**
 * emitClientHeaders' rule written plainly: the client's headers less the policy's and Portico's
 * own names, through the transform, whose output may not put the policy's names back.
 */
function reference(head: RequestHead, transform: (headers: HeaderPair[]) => HeaderPair[]): Array<[string, string, boolean]> {
  const out: Array<[string, string, boolean]> = [];
  let headers: HeaderPair[] = [];
  const parsed: string[] = [];
  for (let i = 0; i < head.headers.length; i++) {
    const name = head.headers[i]![0];
    if (reservedInbound(name) || head.connectionTokens.some((token) => normaliseHeaderName(token) === normaliseHeaderName(name))) continue;
    headers.push([head.rawNames[i]!, head.headers[i]![1]]);
    parsed.push(head.rawNames[i]!, head.headers[i]![1]);
  }
  headers = transform(headers);
  let next = 0;
  for (const [name, value] of headers) {
    if (reserved(name)) continue;
    const unchanged = name === parsed[next] && value === parsed[next + 1];
    if (unchanged) next += 2;
    out.push([name, value, unchanged]);
  }
  return out;
}

const NAMES = ['Accept', 'user-agent', 'Cookie', 'X-Forwarded-For', 'x_forwarded_host', 'Connection', 'X-Drop', 'X_Drop', 'x.drop', 'Keep-Alive', 'Authorization', 'X-Portico-User', 'Transfer_Encoding', 'Content_Length', 'Forwarded', 'X-Request-Id', 'Upgrade', 'TE', 'Proxy-Authorization'];
const TRANSFORMS: Record<string, (headers: HeaderPair[]) => HeaderPair[]> = {
  'passes everything': (headers) => headers,
  "is an authenticator's strip": (headers) => stripInboundHeaders(headers, { keepWebSocketUpgrade: false }),
  'adds reserved and new headers': (headers) => [...headers, ['x-forwarded-for', '6.6.6.6'], ['Host', 'evil'], ['x-added', '1'], ['Transfer-Encoding', 'chunked']],
  'changes a value and drops one': (headers) => headers.slice(1).map(([n, v], i) => (i === 0 ? [n, `${v}!`] : [n, v])),
  'reverses them': (headers) => [...headers].reverse(),
  'repeats them': (headers) => [...headers, ...headers],
};

const heads = fc
  .array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('1', 'x-drop', 'keep-alive', 'a, X-Drop', 'close')), { maxLength: 8 })
  .map((fields) => new RequestHeadParser().push(Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1')))
  .filter((r) => r.kind === 'head')
  .map((r) => (r as { head: RequestHead }).head);

describe('emitClientHeaders', () => {
  const options = resolveForwarderOptions({ pickUpstream: () => undefined });
  const origin = clientOrigin({ remoteAddress: '127.0.0.1', localPort: 80 });
  for (const [name, transform] of Object.entries(TRANSFORMS)) {
    it(`keeps, drops and marks as parsed what it did before, for a dispatch transform that ${name}`, () => {
      fc.assert(
        fc.property(heads, (head) => {
          const ctx: OutboundContext = { head, upstream: { id: 'b', address: { host: '127.0.0.1', port: 1 }, token: 't' }, options, origin, host: head.host, requestId: 'id', dispatch: { transformHeaders: transform } };
          const out: Array<[string, string, boolean]> = [];
          emitClientHeaders(ctx, (n, v, parsed) => out.push([n, v, parsed]));
          assert.deepEqual(out, reference(head, transform));
        }),
        { numRuns: 500, interruptAfterTimeLimit: 2000 },
      );
    });
  }
});
