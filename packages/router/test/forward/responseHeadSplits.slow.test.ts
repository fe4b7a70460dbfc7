// A response head goes to the client as the backend wrote it only when it came whole in one
// backend read; a head split anywhere else is rebuilt. Either way the client must read the same
// response: this file splits each response at every one of its bytes, the second piece written
// after the proxy had time to read the first, on one kept-alive client connection.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { RequestHeadParser } from '../../src/http1/RequestHeadParser.ts';
import { ResponseHeadParser } from '../../src/http1/ResponseHeadParser.ts';
import { clientResponseFraming } from '../../src/internal/forward/clientResponseFraming.ts';
import { clientResponseHead } from '../../src/internal/forward/clientResponseHeaders.ts';
import { closeAll, startProxy, startRawBackend, upstreamAt } from './harness.ts';

/** The response as Portico rebuilds it for an HTTP/1.1 client kept alive: each head built, the body as sent. */
function rebuilt(request: string, response: string): string {
  const req = new RequestHeadParser().push(Buffer.from(request, 'latin1'));
  assert.equal(req.kind, 'head');
  const head = (req as { head: Parameters<typeof clientResponseFraming>[0] }).head;
  const parser = new ResponseHeadParser();
  let bytes: Buffer = Buffer.from(response, 'latin1');
  let out = '';
  for (;;) {
    const r = parser.push(bytes, head.method);
    if (r.kind !== 'head') throw new Error(`the backend's response is refused: ${JSON.stringify(response)}`);
    if (r.head.status >= 200) return out + clientResponseHead(r.head, undefined, clientResponseFraming(head, r.head, false).head, []) + r.rest.toString('latin1');
    out += clientResponseHead(r.head, undefined, { kind: 'none' }, []);
    bytes = r.rest;
  }
}

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const cases: ReadonlyArray<readonly [string, string, string]> = [
  ['obs-text and a tab in the reason, spacing, upper-case framing', GET, 'HTTP/1.1 200 \xe9t\xe9\tok\r\nX-A:\t \r\nx-obs: caf\xe9 \r\nCONTENT-LENGTH: 3\r\n\r\nabc'],
  ['a 103 before the final head, which has no reason', GET, 'HTTP/1.1 103 Early\r\nLink: </a>\r\n\r\nHTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok'],
  ['a HEAD answer with its Content-Length', 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\nX: 1\r\nContent-Length: 20\r\n\r\n'],
  ['a 204 without framing', GET, 'HTTP/1.1 204 OK\r\nX: 1\r\n\r\n'],
  ['a 304 with the Content-Length of a GET', 'GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: x\r\n\r\n', 'HTTP/1.1 304 OK\r\nETag: x\r\nContent-Length: 7\r\n\r\n'],
];

describe('a response head split at each of its bytes', function () {
  this.timeout(120_000);
  afterEach(closeAll);

  for (const [what, request, response] of cases) {
    it(`reads the same to the client, as sent or rebuilt: ${what}`, async () => {
      let split = 0;
      const backend = await startRawBackend((_data, socket) => {
        const bytes = Buffer.from(response, 'latin1');
        const at = split;
        // The second piece goes once the first has left and the proxy has had a turn to read it.
        socket.write(bytes.subarray(0, at), () => setTimeout(() => socket.write(bytes.subarray(at)), 10));
      });
      const upstream = upstreamAt(backend.port);
      const proxy = await startProxy({ pickUpstream: () => upstream });
      const client = net.connect(proxy.port, '127.0.0.1');
      await once(client, 'connect');
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString('latin1')));
      const built = rebuilt(request, response);
      const longest = Math.max(response.length, built.length);
      for (split = 1; split < response.length; split++) {
        text = '';
        client.write(request);
        while (text !== response && text !== built && text.length < longest) await once(client, 'data');
        assert.ok(text === response || text === built, `split after byte ${split}: ${JSON.stringify(text)}`);
      }
      client.destroy();
    });
  }
});
