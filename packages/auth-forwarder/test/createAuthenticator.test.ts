import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import {
  createAuthenticator,
  identityHeaders,
  InvalidAuthConfigError,
  stripInboundHeaders,
  type AuthConfig,
} from '../src/index.ts';
import { basic, EventLog, expectFailure, expectSuccess, request, useTempDir } from './support.ts';

describe('createAuthenticator', () => {
  const dir = useTempDir();
  let htpasswdFile: string;

  before(async () => {
    htpasswdFile = join(dir.path, 'users');
    await writeFile(htpasswdFile, `alice:${bcrypt.hashSync('pw', 4)}\n`);
  });

  const refused: [label: string, config: unknown, error: RegExp][] = [
    ['a missing section', null, /auth\.type/],
    ['a missing type', {}, /auth\.type.*got undefined/],
    ['an unknown type', { type: 'ntlm' }, /auth\.type.*"ntlm"/],
    ['a key of another type', { type: 'client-cert', htpasswdFile: 'x' }, /auth\.htpasswdFile.*is not known for type "client-cert"/],
    ['a non-boolean forwardAuthToken', { type: 'client-cert', forwardAuthToken: 'yes' }, /auth\.forwardAuthToken/],
    ['a maxClaimsBytes of 1 MiB', { type: 'client-cert', maxClaimsBytes: 1 << 20 }, /auth\.maxClaimsBytes/],
    ['an unknown compat', { type: 'client-cert', compat: 'iis' }, /auth\.compat/],
    ['a missing htpasswdFile', { type: 'basic' }, /auth\.htpasswdFile.*is required/],
    ['an http: URL to a name that is not loopback (x.localhost may resolve anywhere)', { type: 'forward', url: 'http://auth.localhost:9000/check' }, /auth\.url.*must be https: unless/],
    ['an http: URL to an address that is not loopback', { type: 'forward', url: 'http://[::ffff:10.0.0.1]:9000/check' }, /auth\.url.*must be https: unless/],
  ];

  // The loopback rule was a copy of its own, which knew 127.0.0.1 and [::1] but not the IPv4-mapped
  // form of a loopback address (the URL parser writes [::ffff:127.0.0.1] as [::ffff:7f00:1]).
  for (const url of ['http://127.0.0.1:9000/check', 'http://localhost:9000/check', 'http://[::1]:9000/check', 'http://[::ffff:127.0.0.1]:9000/check', 'http://[0:0:0:0:0:0:0:1]:9000/check']) {
    it(`takes an http: URL to a loopback address: ${url}`, async () => {
      await createAuthenticator({ type: 'forward', url } as AuthConfig).close();
    });
  }
  for (const [label, config, error] of refused) {
    it(`refuses ${label}, naming the key`, () => {
      assert.throws(() => createAuthenticator(config as AuthConfig), (e: unknown) =>
        e instanceof InvalidAuthConfigError && e.code === 'PORTICO_ERR_AUTH_FORWARDER_INVALID_CONFIG' && error.test(e.message));
    });
  }

  it('exposes the options the router passes to stripInboundHeaders and identityHeaders', () => {
    const auth = createAuthenticator({ type: 'client-cert', forwardAuthToken: true, compat: 'aspnetcore', maxClaimsBytes: 2048 });
    assert.equal(auth.scheme, 'client-cert');
    assert.deepEqual(auth.stripOptions, { forwardAuthToken: true, reservedHeaders: [] });
    assert.deepEqual(auth.headerOptions, { maxClaimsBytes: 2048, compat: 'aspnetcore' });
    assert.ok(Object.isFrozen(auth.stripOptions) && Object.isFrozen(auth.headerOptions));
  });

  it('keeps authenticating when the event handler throws', async () => {
    const auth = createAuthenticator({ type: 'basic', htpasswdFile }, { onEvent: () => { throw new Error('log down'); } });
    expectSuccess(await auth.authenticate(request([basic('alice', 'pw')])));
    await auth.close();
  });

  it('answers 502 and reports auth.internal_error instead of rejecting when a mechanism throws', async () => {
    const log = new EventLog();
    const auth = createAuthenticator({ type: 'client-cert' }, { onEvent: log.onEvent });
    // A caller handing over a malformed request is the kind of bug this guards against.
    const broken = request([], { tls: { authorized: true, peerCertificateDer: Buffer.from([1]), subject: 42 as unknown as string } });
    assert.equal(expectFailure(await auth.authenticate(broken)).status, 502);
    assert.equal(log.named('auth.internal_error').length, 1);
  });

  it('runs the router\'s sequence: strip, authenticate, append identity headers', async () => {
    const auth = createAuthenticator({ type: 'basic', htpasswdFile });
    const inbound: [string, string][] = [
      ['host', 'shop.test'], basic('alice', 'pw'), ['x_portico_user', 'root'], ['connection', 'x-portico-auth'], ['accept', '*/*'],
    ];
    const outcome = expectSuccess(await auth.authenticate(request(inbound)));
    const forwarded = [...stripInboundHeaders(inbound, auth.stripOptions), ...identityHeaders(outcome.identity, auth.headerOptions)];
    assert.deepEqual(forwarded, [
      ['host', 'shop.test'], ['accept', '*/*'], ['x-portico-user', 'alice'], ['x-portico-auth', 'basic'],
    ]);
    await auth.close();
  });
});
