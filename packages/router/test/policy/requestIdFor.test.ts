import assert from 'node:assert/strict';
import { RequestHeadParser } from '../../src/http1/RequestHeadParser.ts';
import type { RequestHead } from '../../src/http1/RequestHead.ts';
import { requestIdFor } from '../../src/internal/policy/requestIdFor.ts';

function head(lines: string): RequestHead {
  const r = new RequestHeadParser().push(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${lines}\r\n`, 'latin1'));
  assert.ok(r.kind === 'head');
  return r.head;
}

describe('requestIdFor', () => {
  it('keeps a trusted well-formed id, and replaces it when not trusted', () => {
    const h = head('X-Request-Id: 3f2b9c1e-7d4a-4e8f-b2c6-0a1d9e8f7c6b\r\n');
    assert.equal(requestIdFor(h, true, 'fresh'), '3f2b9c1e-7d4a-4e8f-b2c6-0a1d9e8f7c6b');
    assert.equal(requestIdFor(h, false, 'fresh'), 'fresh');
  });

  it('never trusts two lines, a list, an empty or an overlong id', () => {
    assert.equal(requestIdFor(head('X-Request-Id: a\r\nX-Request-Id: b\r\n'), true, 'fresh'), 'fresh');
    assert.equal(requestIdFor(head('X-Request-Id: a,b\r\n'), true, 'fresh'), 'fresh');
    assert.equal(requestIdFor(head('X-Request-Id:\r\n'), true, 'fresh'), 'fresh');
    assert.equal(requestIdFor(head(`X-Request-Id: ${'a'.repeat(129)}\r\n`), true, 'fresh'), 'fresh');
    assert.equal(requestIdFor(head('Accept: */*\r\n'), true, 'fresh'), 'fresh');
  });
});
