import assert from 'node:assert/strict';
import { isSpoofableHeader } from '../src/index.ts';

describe('isSpoofableHeader', () => {
  it('recognises Portico and forwarding headers in underscore, dot and upper-case spellings', () => {
    for (const name of ['X_Portico_User', 'x.portico.user', 'X-PORTICO-TOKEN', 'x-forwarded_for', 'X.Forwarded.Host', 'Forwarded', 'MS_ASPNETCORE_TOKEN']) {
      assert.equal(isSpoofableHeader(name), true, name);
    }
  });

  it('leaves ordinary headers alone', () => {
    for (const name of ['accept', 'cookie', 'x-portico', 'x-forwardedfor', 'user_agent', 'content-length', 'host']) {
      assert.equal(isSpoofableHeader(name), false, name);
    }
  });

  it('treats x-request-id and authorization as reserved unless the policy trusts them', () => {
    assert.equal(isSpoofableHeader('X_Request_ID'), true);
    assert.equal(isSpoofableHeader('X_Request_ID', { trustRequestId: true }), false);
    assert.equal(isSpoofableHeader('authorization'), true);
    assert.equal(isSpoofableHeader('authorization', { forwardAuthToken: true }), false);
  });

  it('treats a folded Content_Length as a spoof but not the real one', () => {
    assert.equal(isSpoofableHeader('content_length'), true);
    assert.equal(isSpoofableHeader('Content-Length'), false);
  });

  it('includes the policy\'s reserved names whatever their spelling', () => {
    assert.equal(isSpoofableHeader('X.Auth.Groups', { reservedHeaders: ['X-Auth-Groups'] }), true);
  });
});
