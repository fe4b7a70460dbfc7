import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { refusedPort } from '@portico/test-support';
import { authCertificates, hasOpenssl, type AuthCertificates } from './helpers/authCertificates.ts';
import { authForwardService, type AuthForwardService } from './helpers/authForwardService.ts';
import { authRawRequest, authRawRequests, headerValues, type RawReply, type RawRequestOptions } from './helpers/authRawRequest.ts';
import { authToken, nowSeconds, type SigningKey } from './helpers/authTokens.ts';
import { startPortico, stopAllPorticos, type Started } from './helpers/portico.ts';

const integrationBackend = fileURLToPath(new URL('./fixtures/integration-backend.mjs', import.meta.url));
const integrationDist = fileURLToPath(new URL('../packages/integration/dist/src/index.js', import.meta.url));

/** What the integration backend answers: what `req.portico` held and the raw headers it saw. */
interface Seen {
  readonly seen: number;
  readonly url: string;
  readonly headers: Record<string, string | undefined>;
  readonly rawHeaders: string[];
  readonly portico: {
    readonly user?: string;
    readonly authScheme?: string;
    readonly claims?: Record<string, unknown>;
    readonly clientAddress?: string;
    readonly protocol?: string;
    readonly host?: string;
    readonly clientCertificate?: string;
    readonly certificateSubject?: string;
    readonly certificateFingerprint?: string;
  } | null;
}

const seenBy = (reply: RawReply, status = 200): Seen => {
  assert.equal(reply.status, status, `expected the backend's answer, got ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as Seen;
};

/** Header names as a CGI, WSGI or PHP backend reads them: lower case, `_` and `.` as `-`. */
const fold = (name: string) => name.toLowerCase().replace(/[_.]/g, '-');

/** The values of every raw header line whose folded name is `name`. */
const rawValues = (seen: Seen, name: string) => {
  const values: string[] = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) if (fold(seen.rawHeaders[i]!) === name) values.push(seen.rawHeaders[i + 1]!);
  return values;
};

function backendApp(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, processPath: process.execPath, arguments: [integrationBackend], startupTimeLimit: 10, shutdownTimeLimit: 2, ...extra };
}

/**
 * Identity headers a client might forge, in every spelling a backend could fold into Portico's
 * own, plus `Connection` lines naming Portico's headers, which must not delete what Portico adds.
 */
const forgedHeaders: readonly (readonly [string, string])[] = [
  ['X-Portico-User', 'mallory'],
  ['x_portico_user', 'mallory'],
  ['x.portico.user', 'mallory'],
  ['x-Portico.USER', 'mallory'],
  ['X-PORTICO-CLAIMS', '{"sub":"mallory","admin":true}'],
  ['x_portico_claims', '{"sub":"mallory","admin":true}'],
  ['X-Portico-Auth', 'mallory'],
  ['x-portico-client-cert', Buffer.from('mallory').toString('base64')],
  ['MS-ASPNETCORE-CLIENTCERT', Buffer.from('mallory').toString('base64')],
  ['x-forwarded-for', '6.6.6.6'],
  ['X_Forwarded_For', '6.6.6.6'],
  ['Forwarded', 'for=6.6.6.6'],
  ['X-Forwarded-Host', 'mallory.test'],
  ['x_forwarded_proto', 'gopher'],
  ['X-Request-Id', 'mallory-request'],
  ['x_request_id', 'mallory-request'],
  ['Proxy-Authorization', 'Basic mallory'],
  ['X-Portico-Auth-Subrequest', 'mallory'],
  ['x_portico_auth_subrequest', 'mallory'],
  ['Connection', 'x-portico-user, X-Portico-Auth'],
  ['Connection', 'x_portico_claims, x-forwarded-for, x-portico-token'],
];

/** Asserts the backend saw exactly Portico's identity, one line each, and nothing the client forged. */
function assertGenuineIdentity(seen: Seen, expected: { user: string; scheme: string; claims?: Record<string, unknown>; certificate?: boolean }) {
  assert.deepEqual(rawValues(seen, 'x-portico-user'), [expected.user]);
  assert.deepEqual(rawValues(seen, 'x-portico-auth'), [expected.scheme]);
  assert.deepEqual(rawValues(seen, 'x-portico-claims').map((v) => JSON.parse(v) as unknown), expected.claims ? [expected.claims] : []);
  assert.equal(rawValues(seen, 'x-portico-client-cert').length, expected.certificate ? 1 : 0);
  assert.deepEqual(rawValues(seen, 'ms-aspnetcore-clientcert'), []);
  assert.deepEqual(rawValues(seen, 'x-forwarded-for'), ['127.0.0.1']);
  assert.deepEqual(rawValues(seen, 'forwarded'), []);
  assert.deepEqual(rawValues(seen, 'connection').filter((v) => /portico|forwarded/i.test(v)), []);
  assert.ok(!seen.rawHeaders.some((v) => /mallory|6\.6\.6\.6|gopher/.test(v) || v === Buffer.from('mallory').toString('base64')), seen.rawHeaders.join(' | '));
  assert.equal(seen.portico?.user, expected.user);
  assert.equal(seen.portico?.authScheme, expected.scheme);
  assert.deepEqual(seen.portico?.claims, expected.claims);
  assert.equal(seen.portico?.clientAddress, '127.0.0.1');
  assert.equal(seen.portico?.protocol, expected.certificate ? 'https' : 'http');
  assert.ok(!String(seen.portico?.host).includes('mallory'));
}

/** Counts the requests that reached the backend process at all, through one request that does. */
async function backendCount(request: () => Promise<RawReply>): Promise<number> {
  return seenBy(await request()).seen;
}

/** Runs `refused` between two admitted requests and asserts the backend received nothing in between. */
async function assertNeverForwarded(admitted: () => Promise<RawReply>, refused: () => Promise<unknown>) {
  const before = await backendCount(admitted);
  await refused();
  assert.equal(await backendCount(admitted), before + 1, 'a refused request reached the backend');
}

const tempDirs: string[] = [];
const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(prefix);
  tempDirs.push(dir);
  return dir;
};

const basicCredentials = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication end to end', function () {
  this.timeout(30_000);

  before(() => {
    assert.ok(existsSync(integrationDist), 'the integration backend runs @portico/integration from dist: run `pnpm exec tsc -b packages/integration` first');
  });
  after(async () => {
    await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  describe('basic', () => {
    let started: Started;
    let htpasswd: string;
    let sha512: string | undefined;
    const get = (headers: readonly (readonly [string, string])[] = [], options: RawRequestOptions = {}) => authRawRequest(started.port, { headers, ...options });
    const alice = () => get([['Authorization', basicCredentials('alice', 'wonderland')]]);

    before(async () => {
      const dir = await tempDir(join(tmpdir(), 'portico-auth-basic-'));
      htpasswd = join(dir, 'users.htpasswd');
      const lines = [`alice:${bcrypt.hashSync('wonderland', 4)}`];
      if (hasOpenssl()) {
        sha512 = execFileSync('openssl', ['passwd', '-6', 'looking-glass'], { encoding: 'utf8' }).trim();
        lines.push(`carol:${sha512}`);
      }
      await writeFile(htpasswd, `# test users\n${lines.join('\n')}\n`);
      started = await startPortico({ apps: [backendApp('shop', { auth: { type: 'basic', htpasswdFile: 'users.htpasswd', realm: 'Shop' } })] }, dir);
    });
    after(stopAllPorticos);

    it('accepts a SHA-512-crypt ($6$) entry made by openssl passwd -6', async function () {
      if (sha512 === undefined) {
        console.log('      (skipped: no openssl on the PATH to make a $6$ hash)');
        return this.skip();
      }
      assert.match(sha512, /^\$6\$/);
      const seen = seenBy(await get([['Authorization', basicCredentials('carol', 'looking-glass')]]));
      assert.equal(seen.portico?.user, 'carol');
      assert.equal(seen.portico?.authScheme, 'basic');
    });

    it('refuses an unknown user with the same 401 as a wrong password, without reaching the backend', async () => {
      let unknown: RawReply | undefined;
      await assertNeverForwarded(alice, async () => (unknown = await get([['Authorization', basicCredentials('mallory', 'wonderland')]])));
      const wrong = await get([['Authorization', basicCredentials('alice', 'guess')]]);
      assert.equal(unknown?.status, 401);
      assert.deepEqual(headerValues(unknown, 'www-authenticate'), ['Basic realm="Shop", charset="UTF-8"']);
      assert.equal(unknown.body, wrong.body);
      assert.deepEqual(headerValues(unknown, 'www-authenticate'), headerValues(wrong, 'www-authenticate'));
      assert.deepEqual(headerValues(unknown, 'content-type'), headerValues(wrong, 'content-type'));
    });

    it('refuses two Authorization headers even when one of them is valid', async () => {
      await assertNeverForwarded(alice, async () => {
        const reply = await get([['Authorization', basicCredentials('alice', 'wonderland')], ['Authorization', basicCredentials('mallory', 'x')]]);
        assert.equal(reply.status, 401);
      });
    });

    it('accepts a user added to the htpasswd file while Portico runs, saved by rename as editors do', async () => {
      const dave = () => get([['Authorization', basicCredentials('dave', 'rabbit-hole')]]);
      assert.equal((await dave()).status, 401);
      const reloads = () => started.logs.filter((l) => l.event === 'auth.htpasswd_reloaded').length;
      const before = reloads();
      const next = `${await readFile(htpasswd, 'utf8')}dave:${bcrypt.hashSync('rabbit-hole', 4)}\n`;
      await writeFile(`${htpasswd}.tmp`, next);
      await rename(`${htpasswd}.tmp`, htpasswd);
      // The reload is an event in the log, not a time: wait for the line.
      const deadline = Date.now() + 20_000;
      while (reloads() === before) {
        assert.ok(Date.now() < deadline, 'auth.htpasswd_reloaded was not logged within 20 s of the change');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(seenBy(await dave()).portico?.user, 'dave');
      assert.equal(seenBy(await alice()).portico?.user, 'alice', 'existing users survive the reload');
    });

    it('keeps the users it had when a changed htpasswd file cannot be used', async () => {
      const failures = () => started.logs.filter((l) => l.event === 'auth.htpasswd_reload_failed').length;
      const before = failures();
      const good = await readFile(htpasswd, 'utf8');
      // A plaintext password line is refused when the file is loaded (docs/auth.md).
      await writeFile(htpasswd, `${good}mallory:hunter2-in-clear\n`);
      const deadline = Date.now() + 20_000;
      while (failures() === before) {
        assert.ok(Date.now() < deadline, 'auth.htpasswd_reload_failed was not logged within 20 s of the change');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const failure = started.logs.filter((l) => l.event === 'auth.htpasswd_reload_failed').at(-1);
      assert.ok(!JSON.stringify(failure).includes('hunter2'), 'the log does not quote the line');
      assert.equal(seenBy(await alice()).portico?.user, 'alice');
      assert.equal((await get([['Authorization', basicCredentials('mallory', 'hunter2-in-clear')]])).status, 401);
      await writeFile(htpasswd, good);
    });

    it('keeps forged identity headers in every spelling from the backend', async () => {
      const seen = seenBy(await get([['Authorization', basicCredentials('alice', 'wonderland')], ...forgedHeaders]));
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'basic' });
      assert.deepEqual(rawValues(seen, 'authorization'), [], 'forwardAuthToken is off by default');
    });

    it('treats forged identity headers without credentials as no credentials', async () => {
      await assertNeverForwarded(alice, async () => assert.equal((await get(forgedHeaders)).status, 401));
    });

    const smuggled: readonly [string, readonly [string, string]][] = [
      ['whitespace between a header name and its colon (RFC 9112 §5.1)', ['X-Portico-User ', 'mallory']],
      ['an obs-fold continuation line hiding a header', ['X-Note', 'a\r\n X-Portico-User: mallory']],
      ['a bare LF hiding a header', ['X-Note', 'a\nX-Portico-User: mallory']],
    ];
    for (const [name, line] of smuggled) {
      it(`refuses ${name} with 400 before the backend`, async () => {
        await assertNeverForwarded(alice, async () => {
          assert.equal((await get([['Authorization', basicCredentials('alice', 'wonderland')], line])).status, 400);
        });
      });
    }

    it('refuses a password over 1024 bytes without hashing it', async () => {
      await assertNeverForwarded(alice, async () => {
        assert.equal((await get([['Authorization', basicCredentials('carol', 'x'.repeat(8192))]])).status, 401);
      });
      assert.ok(started.logs.some((l) => l.event === 'auth.failed' && l.reason === 'password too long'), 'the refusal gives its reason in the log');
    });

    for (const pipelined of [false, true]) {
      it(`does not carry a user over to the next request on a kept-alive connection${pipelined ? ' (pipelined)' : ''}`, async () => {
        const credentials = ['Authorization', basicCredentials('alice', 'wonderland')] as const;
        const [first, second, third] = await authRawRequests(started.port, [{ headers: [credentials] }, { headers: forgedHeaders }, { headers: [credentials] }], { pipelined });
        assert.equal(second?.status, 401);
        assert.equal(seenBy(third!).seen, seenBy(first!).seen + 1, 'the second request reached the backend');
      });
    }

    const upgrade = (headers: readonly (readonly [string, string])[]) =>
      get(
        [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', randomBytes(16).toString('base64')], ['Sec-WebSocket-Version', '13'], ...headers],
        { path: '/ws', close: false },
      );

    it('refuses a WebSocket upgrade without credentials with 401, never reaching the backend', async () => {
      await assertNeverForwarded(alice, async () => assert.equal((await upgrade(forgedHeaders)).status, 401));
    });

    it('admits an authenticated WebSocket upgrade with only Portico’s identity', async () => {
      const seen = seenBy(await upgrade([['Authorization', basicCredentials('alice', 'wonderland')], ...forgedHeaders]), 101);
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'basic' });
    });
  });

  describe('jwt', () => {
    const secret = randomBytes(32).toString('hex');
    const secretEnv = 'PORTICO_E2E_JWT_SECRET';
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const issuer = 'https://id.example.test';
    const audience = 'shop';
    const claims = { email: 'alice@example.test', groups: ['staff', 'café'] };
    const payload = (extra: Record<string, unknown> = {}) => ({ sub: 'alice', iss: issuer, aud: audience, exp: nowSeconds() + 600, ...claims, role: 'not-selected', ...extra });
    const hs: SigningKey = { alg: 'HS256', secret };
    const rs: SigningKey = { alg: 'RS256', privateKey: rsa.privateKey };
    let started: Started;
    const bearer = (path: string, token: string, headers: readonly (readonly [string, string])[] = []) =>
      authRawRequest(started.port, { path, headers: [['Authorization', `Bearer ${token}`], ...headers] });
    const admittedAt = (path: string, key: SigningKey) => () => bearer(path, authToken(payload(), key));
    const checked = { issuer, audience, claims: ['email', 'groups'] };

    before(async () => {
      const dir = await tempDir(join(tmpdir(), 'portico-auth-jwt-'));
      await writeFile(join(dir, 'rsa.pem'), rsaPublicPem);
      await writeFile(join(dir, 'ec.pem'), ec.publicKey.export({ type: 'spki', format: 'pem' }));
      process.env[secretEnv] = secret;
      started = await startPortico(
        {
          apps: [
            backendApp('hs', { match: { path: '/hs' }, auth: { type: 'jwt', secretEnv, ...checked } }),
            backendApp('rs', { match: { path: '/rs' }, auth: { type: 'jwt', publicKeyFile: 'rsa.pem', ...checked } }),
            backendApp('es', { match: { path: '/es' }, auth: { type: 'jwt', publicKeyFile: 'ec.pem', ...checked } }),
            backendApp('pass', { match: { path: '/pass' }, forwardAuthToken: true, auth: { type: 'jwt', secretEnv, ...checked } }),
          ],
        },
        dir,
      );
    });
    after(async () => {
      delete process.env[secretEnv];
      await stopAllPorticos();
    });

    for (const [path, key] of [
      ['/hs', hs],
      ['/rs', rs],
      ['/es', { alg: 'ES256', privateKey: ec.privateKey }],
    ] as const) {
      it(`admits a valid ${key.alg} token and forwards only the selected claims (${path})`, async () => {
        const seen = seenBy(await bearer(path, authToken(payload(), key)));
        assertGenuineIdentity(seen, { user: 'alice', scheme: 'jwt', claims });
        assert.match(rawValues(seen, 'x-portico-claims')[0] ?? '', /^[\x20-\x7e]+$/, 'non-ASCII claims travel as \\u escapes');
        assert.deepEqual(rawValues(seen, 'authorization'), [], 'forwardAuthToken is off by default');
      });
    }

    const challenge = (description: string) => `Bearer realm="portico", error="invalid_token", error_description="${description}"`;
    const refusals: readonly { name: string; path: string; token: () => string; description: string }[] = [
      { name: 'an expired token', path: '/hs', token: () => authToken(payload({ exp: nowSeconds() - 3600 }), hs), description: 'The token has expired' },
      { name: 'a token that is not yet valid', path: '/hs', token: () => authToken(payload({ nbf: nowSeconds() + 3600 }), hs), description: 'The token is not yet valid' },
      { name: 'an HS256 token signed with another secret', path: '/hs', token: () => authToken(payload(), { alg: 'HS256', secret: randomBytes(32) }), description: 'The token signature is invalid' },
      { name: 'an RS256 token signed by another key', path: '/rs', token: () => authToken(payload(), { alg: 'RS256', privateKey: otherRsa.privateKey }), description: 'The token signature is invalid' },
      { name: 'a valid token with its payload altered', path: '/rs', token: () => {
        const [head, , signature] = authToken(payload(), rs).split('.');
        return `${head}.${Buffer.from(JSON.stringify(payload({ sub: 'admin' }))).toString('base64url')}.${signature}`;
      }, description: 'The token signature is invalid' },
      { name: 'an alg:none token at an HS256 app', path: '/hs', token: () => authToken(payload(), { alg: 'none' }), description: 'The token algorithm is not accepted' },
      { name: 'an alg:none token at an RS256 app', path: '/rs', token: () => authToken(payload(), { alg: 'none' }), description: 'The token algorithm is not accepted' },
      {
        name: 'an HS256 token keyed with the RS256 public key (algorithm confusion, CVE-2015-9235)',
        path: '/rs',
        token: () => authToken(payload(), { alg: 'HS256', secret: rsaPublicPem }),
        description: 'The token algorithm is not accepted',
      },
      { name: 'an RS256 token at the HS256 app', path: '/hs', token: () => authToken(payload(), rs), description: 'The token algorithm is not accepted' },
      { name: 'a token for another audience', path: '/hs', token: () => authToken(payload({ aud: 'billing' }), hs), description: 'The token audience is not accepted' },
      { name: 'a token from another issuer', path: '/hs', token: () => authToken(payload({ iss: 'https://evil.example.test' }), hs), description: 'The token issuer is not accepted' },
      { name: 'a token without exp', path: '/hs', token: () => authToken(payload({ exp: undefined }), hs), description: 'The token lacks the exp claim' },
      { name: 'a token without a user', path: '/hs', token: () => authToken(payload({ sub: undefined }), hs), description: 'The token does not name a user' },
      { name: 'a malformed token', path: '/hs', token: () => 'not.a.jwt', description: 'The token is malformed' },
    ];
    for (const refusal of refusals) {
      it(`refuses ${refusal.name} with 401 and an invalid_token challenge, never reaching the backend`, async () => {
        const token = refusal.token();
        await assertNeverForwarded(admittedAt(refusal.path, refusal.path === '/rs' ? rs : hs), async () => {
          const reply = await bearer(refusal.path, token);
          assert.equal(reply.status, 401);
          assert.deepEqual(headerValues(reply, 'www-authenticate'), [challenge(refusal.description)]);
          assert.ok(!reply.body.includes(token.slice(0, 20)), 'the token is not echoed');
        });
      });
    }

    it('answers a request without a bearer token with a bare Bearer challenge', async () => {
      await assertNeverForwarded(admittedAt('/hs', hs), async () => {
        const reply = await authRawRequest(started.port, { path: '/hs', headers: [['Authorization', basicCredentials('alice', 'x')], ...forgedHeaders] });
        assert.equal(reply.status, 401);
        assert.deepEqual(headerValues(reply, 'www-authenticate'), ['Bearer realm="portico"']);
      });
    });

    it('refuses with 403 a user name that would inject a header line', async () => {
      await assertNeverForwarded(admittedAt('/hs', hs), async () => {
        assert.equal((await bearer('/hs', authToken(payload({ sub: 'alice\r\nx-portico-user: admin' }), hs))).status, 403);
      });
    });

    it('refuses with 403 a selected claim holding a control character', async () => {
      await assertNeverForwarded(admittedAt('/hs', hs), async () => {
        assert.equal((await bearer('/hs', authToken(payload({ groups: ['staff\u0000admin'] }), hs))).status, 403);
      });
    });

    it('keeps forged identity and claims headers in every spelling from the backend', async () => {
      const seen = seenBy(await bearer('/rs', authToken(payload(), rs), forgedHeaders));
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'jwt', claims });
    });

    it('passes the Authorization header to the backend with forwardAuthToken', async () => {
      const token = authToken(payload(), hs);
      const seen = seenBy(await bearer('/pass', token, forgedHeaders));
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'jwt', claims });
      assert.deepEqual(rawValues(seen, 'authorization'), [`Bearer ${token}`]);
    });
  });

  describe('client-cert', () => {
    let certificates: AuthCertificates;
    let started: Started;
    const send = (client: { cert: string; key: string } | undefined, headers: readonly (readonly [string, string])[] = []) =>
      authRawRequest(started.port, { headers }, { tls: client ? { cert: client.cert, key: client.key } : {} });
    const admitted = () => send(certificates.client);

    before(async function () {
      if (!hasOpenssl()) {
        console.log('      (skipped: no openssl on the PATH to make the test CA)');
        return this.skip();
      }
      const dir = await tempDir(join(tmpdir(), 'portico-auth-cert-'));
      certificates = await authCertificates(dir);
      started = await startPortico(
        {
          listen: [
            { port: 0, host: '127.0.0.1', tls: { cert: certificates.server.certFile, key: certificates.server.keyFile, ca: certificates.ca.certFile, requestCert: true } },
            { port: 0, host: '127.0.0.1' },
          ],
          apps: [backendApp('vault', { auth: { type: 'client-cert' } })],
        },
        dir,
      );
    });
    after(stopAllPorticos);

    it('admits a certificate the CA signed, naming its CN and forwarding it as DER the backend parses', async () => {
      const seen = seenBy(await admitted());
      const expected = new X509Certificate(certificates.client.cert);
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'client-cert', certificate: true });
      assert.deepEqual(rawValues(seen, 'x-portico-client-cert'), [expected.raw.toString('base64')]);
      assert.equal(seen.portico?.certificateSubject, 'CN=alice');
      assert.equal(seen.portico?.certificateFingerprint, expected.fingerprint256);
      assert.equal(seen.headers['x-forwarded-proto'], 'https');
    });

    it('refuses a connection without a certificate with 403', async () => {
      await assertNeverForwarded(admitted, async () => {
        const reply = await send(undefined, forgedHeaders);
        assert.equal(reply.status, 403);
        assert.deepEqual(headerValues(reply, 'www-authenticate'), []);
      });
    });

    it('refuses a self-signed certificate with the same CN with 403', async () => {
      await assertNeverForwarded(admitted, async () => assert.equal((await send(certificates.impostor, forgedHeaders)).status, 403));
    });

    it('refuses a request over plain HTTP with 403, whatever certificate header it forges', async () => {
      const { listen } = await started.portico.start();
      const plain = listen[1]?.port;
      assert.ok(plain !== undefined && plain !== started.port);
      const forged: (readonly [string, string])[] = [['X-Portico-Client-Cert', certificates.client.cert.replace(/-----[^-]+-----|\s/g, '')], ...forgedHeaders];
      await assertNeverForwarded(admitted, async () => assert.equal((await authRawRequest(plain, { headers: forged })).status, 403));
    });

    it('refuses with 403 a certificate the CA signed whose subject names two CNs', async () => {
      await assertNeverForwarded(admitted, async () => assert.equal((await send(certificates.twoNames, forgedHeaders)).status, 403));
    });

    it('keeps forged identity and certificate headers in every spelling from the backend', async () => {
      const seen = seenBy(await send(certificates.client, forgedHeaders));
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'client-cert', certificate: true });
      assert.deepEqual(rawValues(seen, 'x-portico-client-cert'), [new X509Certificate(certificates.client.cert).raw.toString('base64')]);
    });
  });

  describe('forward', () => {
    let service: AuthForwardService;
    let started: Started;
    const timeout = 0.5;
    const send = (token: string, headers: readonly (readonly [string, string])[] = [], path = '/') =>
      authRawRequest(started.port, { path, headers: [['Authorization', `Bearer ${token}`], ...headers] });
    const admitted = () => send(`good-${randomBytes(6).toString('hex')}`);

    before(async () => {
      service = await authForwardService();
      // Nothing listens there, and no other test's listen(0) can land on it (refusedPort).
      const closed = await refusedPort();
      started = await startPortico({
        apps: [
          backendApp('portal', { auth: { type: 'forward', url: service.url, timeout, copyHeaders: ['x-auth-email'], cacheTtl: 60 } }),
          backendApp('down', { match: { path: '/down' }, auth: { type: 'forward', url: `http://127.0.0.1:${closed}/auth`, timeout } }),
        ],
      });
    });
    after(async () => {
      await stopAllPorticos();
      await service.close();
    });

    it('admits on a 2xx, copying the user and the chosen headers, and tells the service about the request', async () => {
      // A forged auth-subrequest mark is no loop (the answer is the backend's) and never reaches the service.
      const seen = seenBy(await send('good-1', [['Cookie', 'a=1'], ['Cookie', 'b=2'], ['X-Secret', 'not for the service'], ['X-Portico-Auth-Subrequest', 'mallory']], '/orders?id=7'));
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'forward' });
      assert.deepEqual(rawValues(seen, 'x-auth-email'), ['alice@example.test']);
      assert.deepEqual(rawValues(seen, 'authorization'), [], 'forwardAuthToken is off by default');
      const subrequest = service.subrequests.find((s) => s.headers.authorization === 'Bearer good-1');
      assert.equal(subrequest?.method, 'GET');
      assert.equal(subrequest.url, '/auth');
      assert.equal(subrequest.headers['x-original-method'], 'GET');
      assert.equal(subrequest.headers['x-original-uri'], '/orders?id=7');
      assert.equal(subrequest.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(subrequest.headers.cookie, 'a=1; b=2');
      assert.equal(subrequest.headers['x-secret'], undefined);
      assert.match(String(subrequest.headers['x-portico-auth-subrequest']), /^[\w-]{43}$/, 'Portico\'s own mark, not the client\'s');
    });

    it('passes the service’s 401 through with every WWW-Authenticate line', async () => {
      await assertNeverForwarded(admitted, async () => {
        const reply = await send('deny');
        assert.equal(reply.status, 401);
        assert.deepEqual(headerValues(reply, 'www-authenticate'), ['Bearer realm="sso"', 'Basic realm="sso"']);
      });
    });

    it('passes the service’s 403 through', async () => {
      await assertNeverForwarded(admitted, async () => assert.equal((await send('forbid')).status, 403));
    });

    it('answers 502 when the service fails with a 500', async () => {
      await assertNeverForwarded(admitted, async () => {
        const reply = await send('broken');
        assert.equal(reply.status, 502);
        assert.ok(!reply.body.includes('database'), 'the service’s body is not shown');
      });
    });

    it('answers 502 when the service refuses the connection', async () => {
      const reply = await send('good-down', [], '/down');
      assert.equal(reply.status, 502);
      assert.equal(started.portico.status().apps.find((a) => a.name === 'down')?.state, 'idle', 'the backend was never started');
    });

    it('answers 502 when the service admits without naming a user', async () => {
      await assertNeverForwarded(admitted, async () => assert.equal((await send('anonymous')).status, 502));
    });

    it('answers 502 once the service is slower than the timeout', async () => {
      await assertNeverForwarded(admitted, async () => {
        const began = performance.now();
        const reply = await send('slow');
        const elapsed = (performance.now() - began) / 1000;
        assert.equal(reply.status, 502);
        assert.ok(elapsed >= timeout * 0.9 && elapsed < timeout + 2, `answered after ${elapsed.toFixed(2)} s with a ${timeout} s timeout`);
      });
    });

    it('serves a repeated credential from the cache without a second subrequest', async () => {
      const first = seenBy(await send('good-cached', [], '/cached'));
      const second = seenBy(await send('good-cached', [], '/cached'));
      assert.equal(second.seen, first.seen + 1);
      assert.equal(second.portico?.user, 'alice');
      assert.equal(service.count('Bearer good-cached'), 1);
    });

    it('does not serve a cached decision to the same request without the credential', async () => {
      seenBy(await send('good-cache-key', [], '/key'));
      await assertNeverForwarded(admitted, async () => {
        const reply = await authRawRequest(started.port, { path: '/key', headers: forgedHeaders });
        assert.equal(reply.status, 401);
      });
    });

    it('asks again for the same credential on another URI (cacheScope "request")', async () => {
      seenBy(await send('good-scoped', [], '/a'));
      seenBy(await send('good-scoped', [], '/b'));
      assert.equal(service.count('Bearer good-scoped'), 2);
    });

    it('does not cache a denial', async () => {
      const before = service.count('Bearer deny');
      await send('deny');
      await send('deny');
      assert.equal(service.count('Bearer deny'), before + 2);
    });

    it('keeps forged identity and copied headers in every spelling from the backend', async () => {
      const seen = seenBy(await send('good-forged', [...forgedHeaders, ['X-Auth-Email', 'mallory@evil.test'], ['x_auth_email', 'mallory@evil.test']]));
      assertGenuineIdentity(seen, { user: 'alice', scheme: 'forward' });
      assert.deepEqual(rawValues(seen, 'x-auth-email'), ['alice@example.test']);
      const subrequest = service.subrequests.find((s) => s.headers.authorization === 'Bearer good-forged');
      const own = 'x-portico-auth-subrequest';
      assert.deepEqual(Object.keys(subrequest?.headers ?? {}).filter((n) => n !== own && /portico|auth-email|request-id|^forwarded/.test(fold(n))), [], 'forged headers do not reach the auth service');
      assert.match(String(subrequest?.headers[own]), /^[\w-]{43}$/, 'the service gets Portico\'s own subrequest mark, never the client\'s');
      assert.equal(subrequest?.headers['x-forwarded-for'], '127.0.0.1');
    });
  });

  describe('direct access to the backend', () => {
    let started: Started;
    let backendPort: number;
    const direct = (headers: readonly (readonly [string, string])[]) => authRawRequest(backendPort, { headers });

    before(async () => {
      const dir = await tempDir(join(tmpdir(), 'portico-auth-direct-'));
      await writeFile(join(dir, 'users.htpasswd'), `alice:${bcrypt.hashSync('wonderland', 4)}\n`);
      started = await startPortico({ apps: [backendApp('shop', { auth: { type: 'basic', htpasswdFile: 'users.htpasswd' } })] }, dir);
      seenBy(await authRawRequest(started.port, { headers: [['Authorization', basicCredentials('alice', 'wonderland')]] }));
      const endpoint = started.portico.status().apps[0]?.workers[0]?.endpoint;
      assert.equal(endpoint?.kind, 'tcp');
      assert.equal(endpoint.host, '127.0.0.1');
      backendPort = endpoint.port;
    });
    after(stopAllPorticos);

    it('gets 400 from @portico/integration without the pairing token, forged identity or not', async () => {
      const reply = await direct(forgedHeaders);
      assert.equal(reply.status, 400);
      assert.deepEqual(headerValues(reply, 'connection'), ['close']);
      assert.ok(!reply.body.includes('mallory'));
    });

    it('gets 400 with a guessed pairing token', async () => {
      assert.equal((await direct([['x-portico-token', randomBytes(32).toString('base64url')], ['X-Portico-User', 'admin']])).status, 400);
    });

    it('gets 400 with the ASP.NET Core token header instead', async () => {
      assert.equal((await direct([['MS-ASPNETCORE-TOKEN', randomBytes(32).toString('base64url')], ['X-Portico-User', 'admin']])).status, 400);
    });
  });
});
