import assert from 'node:assert/strict';
import { identityHeaders, IdentityHeaderError } from '../src/index.ts';

describe('identityHeaders', () => {
  it('renders user and scheme', () => {
    assert.deepEqual(identityHeaders({ user: 'alice', scheme: 'basic' }), [
      ['x-portico-user', 'alice'],
      ['x-portico-auth', 'basic'],
    ]);
  });

  it('renders selected claims as ASCII JSON', () => {
    const headers = identityHeaders({ user: 'a', scheme: 'jwt', claims: { email: 'zoë@example.com', groups: ['a', 'b'] } });
    const claims = headers.find(([name]) => name === 'x-portico-claims')![1];
    assert.match(claims, /^[\x20-\x7e]*$/);
    assert.deepEqual(JSON.parse(claims), { email: 'zoë@example.com', groups: ['a', 'b'] });
  });

  it('sends a UTF-8 user name as its bytes, one character per byte', () => {
    const [[, value]] = identityHeaders({ user: 'zoë', scheme: 'basic' }) as [[string, string]];
    assert.equal(Buffer.from(value, 'latin1').toString('utf8'), 'zoë');
  });

  it('leaves out claims larger than the cap', () => {
    const headers = identityHeaders({ user: 'a', scheme: 'jwt', claims: { blob: 'x'.repeat(100) } }, { maxClaimsBytes: 50 });
    assert.deepEqual(headers.map(([name]) => name), ['x-portico-user', 'x-portico-auth']);
  });

  it('renders the client certificate as base64 DER, twice under the aspnetcore compat', () => {
    const der = Buffer.from([0x30, 0x82, 0x01, 0x0a]);
    assert.deepEqual(identityHeaders({ user: 'a', scheme: 'client-cert', clientCertificateDer: der }).slice(2), [
      ['x-portico-client-cert', 'MIIBCg=='],
    ]);
    assert.deepEqual(identityHeaders({ user: 'a', scheme: 'client-cert', clientCertificateDer: der }, { compat: 'aspnetcore' }).slice(2), [
      ['x-portico-client-cert', 'MIIBCg=='],
      ['ms-aspnetcore-clientcert', 'MIIBCg=='],
    ]);
  });

  it('appends extra headers after its own', () => {
    const headers = identityHeaders({ user: 'a', scheme: 'forward', extraHeaders: [['x-auth-groups', 'admin']] });
    assert.deepEqual(headers.at(-1), ['x-auth-groups', 'admin']);
  });

  for (const [label, user] of [['CR/LF', 'alice\r\nx-portico-user: root'], ['LF', 'alice\nx'], ['NUL', 'alice\0'], ['DEL', 'a\x7f']] as const) {
    it(`refuses a user name with ${label} instead of injecting it`, () => {
      assert.throws(() => identityHeaders({ user, scheme: 'basic' }), (error: unknown) =>
        error instanceof IdentityHeaderError && error.code === 'PORTICO_ERR_AUTH_FORWARDER_IDENTITY_HEADER');
    });
  }

  it('refuses an empty user name and one with edge whitespace, which parsers would trim', () => {
    assert.throws(() => identityHeaders({ user: '', scheme: 'basic' }), IdentityHeaderError);
    assert.throws(() => identityHeaders({ user: ' admin', scheme: 'basic' }), IdentityHeaderError);
  });

  it('refuses claims holding control characters, in values or keys, at any depth', () => {
    assert.throws(() => identityHeaders({ user: 'a', scheme: 'jwt', claims: { email: 'a@b\r\nx-portico-user: root' } }), IdentityHeaderError);
    assert.throws(() => identityHeaders({ user: 'a', scheme: 'jwt', claims: { groups: [{ name: 'x\n' }] } }), IdentityHeaderError);
    assert.throws(() => identityHeaders({ user: 'a', scheme: 'jwt', claims: { 'a\rb': 1 } }), IdentityHeaderError);
  });

  it('refuses an extra header value with CR/LF', () => {
    assert.throws(() => identityHeaders({ user: 'a', scheme: 'forward', extraHeaders: [['x-auth-groups', 'a\r\nb: c']] }), /x-auth-groups/);
  });
});
