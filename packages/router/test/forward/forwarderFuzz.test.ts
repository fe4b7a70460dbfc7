// Random and mutated bytes through the forwarder: it never crashes, never forwards a request the
// framer refused, and keeps serving afterwards.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzSeed } from '../http1/fuzzSeed.ts';
import { mutatedRequests } from '@portico/test-support';
import { readMessages } from '../http1/readMessages.ts';
import { closeAll, httpGet, rawRequest, startHttpBackend, startProxy, upstreamAt } from './harness.ts';

const valid = [
  'GET /a?b=c HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello',
  'PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
];

const inputs = mutatedRequests(valid, ['flip', 'insert', 'delete'], 3);

describe(`forwarder fuzz (seed ${fuzzSeed})`, function () {
  this.timeout(30_000);
  afterEach(closeAll);

  it('survives mutated requests and forwards only what the framer accepts', async () => {
    // Heads are streamed on before their bodies arrive, so a backend may see the head of a request
    // whose body the framer then refuses or never gets; that request is aborted, never completed.
    const seen: string[] = [];
    const completed: string[] = [];
    const accepted = new Set<string>();
    const acceptedWhole = new Set<string>();
    const backend = await startHttpBackend((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('error', () => {});
      req.on('end', () => {
        completed.push(`${req.method} ${req.url}`);
        res.end('ok');
      });
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), headersTimeout: 200, requestTimeout: 500 });
    let runs = 0;
    await fc.assert(fc.asyncProperty(inputs, async (bytes) => {
      runs++;
      const ours = readMessages(bytes);
      for (const m of ours.messages) acceptedWhole.add(`${m.head.method} ${m.head.path}`);
      for (const m of ours.messages) accepted.add(`${m.head.method} ${m.head.path}`);
      if (ours.unfinished !== undefined) accepted.add(`${ours.unfinished.method} ${ours.unfinished.path}`);
      const expected = Math.max(1, ours.messages.length);
      // Wait for every answer; half-close only when the input ends inside a request.
      await rawRequest(proxy.port, bytes, {
        halfClose: ours.incomplete,
        until: (t) => (t.match(/HTTP\/1\.1 \d{3} /g)?.length ?? 0) >= expected && /\r\n\r\n(ok)?$|\n$/.test(t) && !t.includes('HTTP/1.1 100'),
      });
    }), { seed: fuzzSeed, numRuns: 300, interruptAfterTimeLimit: 8_000, markInterruptAsFailure: false });
    assert.equal((await httpGet(proxy.port, '/still-alive')).body, 'ok');
    seen.pop();
    completed.pop();
    // Checked over the whole campaign: a backend may see a request after its client went away.
    for (const request of seen) assert.ok(accepted.has(request), `forwarded ${request}, whose head the framer did not accept`);
    for (const request of completed) assert.ok(acceptedWhole.has(request), `completed ${request}, which the framer did not accept whole`);
    assert.ok(seen.length > runs / 10, `only ${seen.length} of ${runs} inputs reached the backend`);
  });
});
