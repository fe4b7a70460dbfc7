import assert from 'node:assert/strict';
import { InvalidHeadFieldError } from '../../src/errors.ts';
import { resolveForwarderOptions, type HeaderPair } from '../../src/forward/ForwarderOptions.ts';
import type { Upstream } from '../../src/forward/Upstream.ts';
import type { RequestHead } from '../../src/http1/RequestHead.ts';
import { RequestHeadParser } from '../../src/http1/RequestHeadParser.ts';
import { clientOrigin } from '../../src/internal/forward/clientOrigin.ts';
import { outboundRequestHead } from '../../src/internal/forward/outboundRequestHead.ts';
import { outboundRequestHeaders, type OutboundContext } from '../../src/internal/policy/outboundRequestHeaders.ts';

function parse(raw: string): RequestHead {
  const r = new RequestHeadParser().push(Buffer.from(raw, 'latin1'));
  if (r.kind !== 'head') throw new Error(`test head not accepted: ${JSON.stringify(r)}`);
  return r.head;
}

/** The HTTP/1.1 framing header the socket forwarder writes for `head`, as a pair. */
function framingPair(head: RequestHead): HeaderPair | undefined {
  if (head.body.kind === 'length') return ['content-length', String(head.body.length)];
  return head.body.kind === 'chunked' ? ['transfer-encoding', 'chunked'] : undefined;
}

const upstream: Upstream = { id: 'b', address: { host: '127.0.0.1', port: 4000 }, token: 'tok-123' };
const pickUpstream = (): Upstream => upstream;

const heads = {
  'a GET with Host': parse('GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\nCookie: a=1\r\n\r\n'),
  'an HTTP/1.0 GET without Host': parse('GET / HTTP/1.0\r\nUser-Agent: t\r\n\r\n'),
  'a chunked POST expecting 100-continue': parse('POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n'),
  'a WebSocket handshake': parse('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
  'a head with spoofed and Connection-listed fields': parse('PUT /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\nX_Portico_Token: no\r\nConnection: x-drop\r\nX-Drop: 1\r\nContent-Length: 3\r\n\r\n'),
};
const origins = {
  'an IPv4-mapped client on a port': clientOrigin({ remoteAddress: '::ffff:192.0.2.7', localPort: 8443 }),
  'a client of unknown address and port': clientOrigin({ remoteAddress: undefined, localPort: undefined }),
  'an IPv6 client': clientOrigin({ remoteAddress: '2001:db8::1', localPort: 80 }),
};
const optionSets = {
  http: resolveForwarderOptions({ pickUpstream }),
  'https with a header transform': resolveForwarderOptions({
    pickUpstream,
    proto: 'https',
    transformRequestHeaders: (headers: HeaderPair[]) => [...headers, ['x-added', 'yes']],
  }),
};

describe('outboundRequestHead', () => {
  for (const [headName, head] of Object.entries(heads)) {
    for (const [originName, origin] of Object.entries(origins)) {
      for (const [optionsName, options] of Object.entries(optionSets)) {
        for (const dispatch of [undefined, { transformHeaders: (headers: HeaderPair[]): HeaderPair[] => headers.filter(([name]) => name !== 'accept') }]) {
          const withTransform = dispatch === undefined ? '' : ', a dispatch header transform';
          it(`writes what outboundRequestHeaders lists, in order: ${headName}, ${originName}, ${optionsName}${withTransform}`, () => {
            const ctx: OutboundContext = { head, upstream, options, origin, host: head.host, requestId: 'id-1', dispatch };
            const lines = outboundRequestHeaders(ctx, framingPair(head)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
            const expected = `${head.method} ${head.path} HTTP/1.1\r\n${lines}\r\n`;
            assert.equal(outboundRequestHead(ctx), expected);
            // Again, with the token's line now from the cache.
            assert.equal(outboundRequestHead(ctx), expected);
          });
        }
      }
    }
  }

  it('writes MS-ASPNETCORE-TOKEN where outboundRequestHeaders lists it, for an aspnetcore upstream, and drops the client\'s copy', () => {
    const head = parse('GET / HTTP/1.1\r\nHost: h\r\nMS-ASPNETCORE-TOKEN: spoofed\r\n\r\n');
    const ctx: OutboundContext = { head, upstream: { ...upstream, aspNetCoreToken: true }, options: optionSets.http, origin: origins['an IPv6 client'], host: head.host, requestId: 'id-1' };
    const lines = outboundRequestHeaders(ctx, framingPair(head)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    assert.equal(outboundRequestHead(ctx), `GET / HTTP/1.1\r\n${lines}\r\n`);
    assert.match(lines, /x-portico-token: tok-123\r\nms-aspnetcore-token: tok-123\r\n/);
    assert.doesNotMatch(lines, /spoofed/);
  });

  it('refuses a pairing token that would inject a line, every time it is asked', () => {
    const bad: Upstream = { ...upstream, token: 'ok\r\nx-evil: 1' };
    const ctx: OutboundContext = {
      head: heads['a GET with Host'],
      upstream: bad,
      options: optionSets.http,
      origin: origins['an IPv4-mapped client on a port'],
      host: 'example.test',
      requestId: 'id-2',
    };
    assert.throws(() => outboundRequestHead(ctx), InvalidHeadFieldError);
    assert.throws(() => outboundRequestHead(ctx), InvalidHeadFieldError);
  });
});

describe('outboundRequestHead on one connection', () => {
  it('writes each request its own Host and forwarded lines whatever the Host and scheme of the request before', () => {
    const origin = clientOrigin({ remoteAddress: '192.0.2.9', localPort: 8080 });
    const hosts = ['a.test', 'b.test', 'a.test', undefined, 'a.test', 'b.test', 'b.test'];
    const schemes = ['http', 'http', 'https', 'https', 'http', 'https', 'http'] as const;
    hosts.forEach((host, i) => {
      const head = parse(host === undefined ? 'GET / HTTP/1.0\r\n\r\n' : `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      const options = resolveForwarderOptions({ pickUpstream, proto: schemes[i]! });
      const ctx: OutboundContext = { head, upstream, options, origin, host: head.host, requestId: `id-${i}`, dispatch: undefined };
      const lines = outboundRequestHeaders(ctx, framingPair(head)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      assert.equal(outboundRequestHead(ctx), `${head.method} ${head.path} HTTP/1.1\r\n${lines}\r\n`, `request ${i}`);
    });
  });
});
