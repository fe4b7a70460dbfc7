import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestHead, type ReadRequestHeadResult } from '@portico/router';
import { rawRequest } from './embedHarness.ts';

/** Sends raw bytes to a real node:http server and reads the request it parsed. */
async function readThroughNode(bytes: string, prepare: (req: http.IncomingMessage) => void = () => {}): Promise<ReadRequestHeadResult> {
  let result!: ReadRequestHeadResult;
  const server = http.createServer((req, res) => {
    prepare(req);
    result = readRequestHead(req);
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await rawRequest((server.address() as AddressInfo).port, bytes, { until: (t) => t.includes('\r\n\r\n') });
  } finally {
    server.closeAllConnections();
    server.close();
  }
  return result;
}

describe('readRequestHead', () => {
  it('re-reads method, target, version and headers in order and spelling', async () => {
    const r = await readThroughNode('POST /a?b=1 HTTP/1.1\r\nHost: x.test\r\nX-One: 1\r\nx-one: 2\r\nContent-Length: 3\r\n\r\nabc');
    assert.equal(r.kind, 'head');
    if (r.kind !== 'head') return;
    assert.equal(r.head.method, 'POST');
    assert.equal(r.head.path, '/a?b=1');
    assert.equal(r.head.version, '1.1');
    assert.equal(r.head.host, 'x.test');
    assert.deepEqual(r.head.rawNames, ['Host', 'X-One', 'x-one', 'Content-Length']);
    assert.deepEqual(r.head.body, { kind: 'length', length: 3 });
  });

  it('reads the client’s target from originalUrl when a mount stripped req.url', async () => {
    const r = await readThroughNode('GET /app/x HTTP/1.1\r\nHost: a\r\n\r\n', (req) => {
      (req as http.IncomingMessage & { originalUrl: string }).originalUrl = req.url!;
      req.url = '/x';
    });
    assert.equal(r.kind === 'head' && r.head.path, '/app/x');
  });

  it('refuses with the framer’s status what node:http accepted', async () => {
    const r = await readThroughNode('GET / HTTP/1.1\r\nHost: a\r\nContent.Length: 5\r\n\r\n');
    assert.equal(r.kind, 'error');
    assert.equal(r.kind === 'error' && r.status, 400);
  });
});
