// The order of an outbound head: framing and Portico's own headers before the client's, so a
// backend that keeps only its first header lines (Node's maxHeadersCount) still sees them.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { closeAll as closeHosts, startHost } from '../embed/embedHarness.ts';
import { closeAll, rawRequest, startHttpBackend, startProxy, upstreamAt } from '../forward/harness.ts';

/** What a default node:http backend (maxHeadersCount 2 000 entries, 1 000 pairs) saw of Portico's headers and the body. */
async function startSeeingBackend(): Promise<number> {
  const backend = await startHttpBackend((req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const seen = { token: req.headers['x-portico-token'] ?? null, requestId: typeof req.headers['x-request-id'], forwardedFor: req.headers['x-forwarded-for'] ?? null, body };
      res.end(JSON.stringify(seen));
    });
  });
  return backend.port;
}

/** A POST with 995 client headers: 997 lines with Host and Content-Length, under a maxHeaderCount of 1 000. */
function manyHeaders(): string {
  let lines = '';
  for (let i = 0; i < 995; i++) lines += `x-h-${i}: v\r\n`;
  return `POST / HTTP/1.1\r\nHost: a\r\n${lines}Content-Length: 5\r\nConnection: close\r\n\r\nhello`;
}

function seen(text: string): { token: string | null; requestId: string; forwardedFor: string | null; body: string } {
  assert.match(text, /^HTTP\/1\.1 200 /, text.slice(0, 200));
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as ReturnType<typeof seen>;
}

/**
 * Node 20 keeps the first 1 000 header lines and drops the rest, which is what put the token out of
 * a backend's sight; Node 24 and later answer 431 to more lines instead, so nothing can be lost there.
 */
const nodeDropsExtraHeaders = Number(process.versions.node.split('.')[0]) < 22;

describe('outboundRequestHeaders: Portico\'s headers come first', () => {
  beforeEach(function () {
    if (!nodeDropsExtraHeaders) {
      console.log(`      skipped: Node ${process.version} answers 431 to more than 1 000 header lines instead of dropping them`);
      this.skip();
    }
  });
  afterEach(async () => {
    await closeHosts();
    await closeAll();
  });

  it('a Node backend sees the token, request id, forwarded address and body behind 995 client headers (socket forwarder)', async () => {
    const port = await startSeeingBackend();
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(port, 'b', 'tok-first'), limits: { maxHeaderCount: 1000, maxHeaderBytes: 64 * 1024 } });
    const reply = await rawRequest(proxy.port, manyHeaders());
    assert.deepEqual(seen(reply.text), { token: 'tok-first', requestId: 'string', forwardedFor: '127.0.0.1', body: 'hello' });
  });

  it('a Node backend sees the token, request id, forwarded address and body behind 995 client headers (embedded forwarder)', async () => {
    const port = await startSeeingBackend();
    const host = await startHost(() => ({ kind: 'forward', upstream: upstreamAt(port, 'b', 'tok-first') }), { limits: { maxHeaderCount: 1000, maxHeaderBytes: 64 * 1024 } });
    // The host's own server must take the client's 997 lines for Portico to see them at all.
    host.server.maxHeadersCount = 0;
    const reply = await rawRequest(host.port, manyHeaders());
    assert.deepEqual(seen(reply.text), { token: 'tok-first', requestId: 'string', forwardedFor: '127.0.0.1', body: 'hello' });
  });
});
