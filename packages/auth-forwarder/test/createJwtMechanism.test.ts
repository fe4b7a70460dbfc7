import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { AuthFileUnreadableError, AuthKeyInvalidError, createAuthenticator, InvalidAuthConfigError, type JwtAuthConfig } from '../src/index.ts';
import { bearer, EventLog, expectFailure, expectSuccess, header, request, useTempDir } from './support.ts';

const now = Date.UTC(2026, 10, 24, 12, 0, 0);
const seconds = (ms: number): number => Math.floor(ms / 1000);
const secret = 'an HS256 secret of at least 32 bytes!';

function pair(type: 'rsa' | 'ec' | 'ed25519'): { publicKey: KeyObject; privateKey: KeyObject } {
  if (type === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (type === 'ec') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('ed25519');
}

async function sign(
  key: KeyObject | Uint8Array,
  alg: string,
  payload: Record<string, unknown> = {},
  header: Record<string, string> = {},
): Promise<string> {
  const claims: JWTPayload = { sub: 'alice', iss: 'https://issuer.test', aud: 'shop', exp: seconds(now) + 600, ...payload };
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...header })
    .sign(key);
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('jwt authenticator', () => {
  const dir = useTempDir();
  const rsa = pair('rsa');
  const ec = pair('ec');
  const ed = pair('ed25519');
  const files: Record<string, string> = {};
  const log = new EventLog();

  before(async () => {
    for (const [name, keys] of Object.entries({ rsa, ec, ed })) {
      files[name] = join(dir.path, `${name}.pem`);
      await writeFile(files[name], keys.publicKey.export({ type: 'spki', format: 'pem' }));
    }
    files['private'] = join(dir.path, 'private.pem');
    await writeFile(files['private'], ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    files['jwks'] = join(dir.path, 'jwks.json');
    await writeFile(files['jwks'], JSON.stringify({
      keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' }, { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA' }],
    }));
  });

  const make = (config: Partial<JwtAuthConfig>) =>
    createAuthenticator(
      { type: 'jwt', issuer: 'https://issuer.test', audience: 'shop', realm: 'api', clockTolerance: 0, ...config } as JwtAuthConfig,
      { clock: () => now, onEvent: log.onEvent, env: { JWT_SECRET: secret } },
    );

  describe('accepts a valid token', () => {
    it('signed RS256 with the key in a PEM file', async () => {
      const outcome = expectSuccess(await make({ publicKeyFile: files['rsa']! }).authenticate(request([bearer(await sign(rsa.privateKey, 'RS256'))])));
      assert.deepEqual(outcome.identity, { user: 'alice', scheme: 'jwt' });
    });

    it('signed ES256', async () => {
      expectSuccess(await make({ publicKeyFile: files['ec']! }).authenticate(request([bearer(await sign(ec.privateKey, 'ES256'))])));
    });

    it('signed EdDSA', async () => {
      expectSuccess(await make({ publicKeyFile: files['ed']! }).authenticate(request([bearer(await sign(ed.privateKey, 'EdDSA'))])));
    });

    it('signed HS256 with a secret from the config or from the environment', async () => {
      const token = await sign(Buffer.from(secret), 'HS256');
      expectSuccess(await make({ secret }).authenticate(request([bearer(token)])));
      expectSuccess(await make({ secretEnv: 'JWT_SECRET' }).authenticate(request([bearer(token)])));
    });

    it('signed by any key of a local JWKS, chosen by kid', async () => {
      const auth = make({ jwksFile: files['jwks']! });
      expectSuccess(await auth.authenticate(request([bearer(await sign(ec.privateKey, 'ES256', {}, { kid: 'ec-1' }))])));
      expectSuccess(await auth.authenticate(request([bearer(await sign(ed.privateKey, 'EdDSA', {}, { kid: 'ed-1' }))])));
    });

    it('whose key comes from a PEM certificate', async function () {
      const key = join(dir.path, 'cert-key.pem');
      const cert = join(dir.path, 'cert.pem');
      await writeFile(key, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      try {
        execFileSync('openssl', ['req', '-x509', '-key', key, '-out', cert, '-subj', '/CN=issuer', '-days', '1'], { stdio: 'ignore' });
      } catch {
        this.skip();
      }
      expectSuccess(await make({ publicKeyFile: cert }).authenticate(request([bearer(await sign(ec.privateKey, 'ES256'))])));
    });

    it('expired but within clockTolerance', async () => {
      const token = await sign(ec.privateKey, 'ES256', { exp: seconds(now) - 20 });
      expectSuccess(await make({ publicKeyFile: files['ec']!, clockTolerance: 30 }).authenticate(request([bearer(token)])));
    });
  });

  it('forwards only the selected claims and names the user by userClaim', async () => {
    const token = await sign(ec.privateKey, 'ES256', { email: 'a@example.com', groups: ['ops'], secret: 'x', preferred_username: 'al' });
    const outcome = expectSuccess(await make({ publicKeyFile: files['ec']!, claims: ['email', 'groups', 'absent'], userClaim: 'preferred_username' })
      .authenticate(request([bearer(token)])));
    assert.deepEqual(outcome.identity, { user: 'al', scheme: 'jwt', claims: { email: 'a@example.com', groups: ['ops'] } });
  });

  it('sends the bare Bearer challenge when there is no token', async () => {
    const failure = expectFailure(await make({ publicKeyFile: files['ec']! }).authenticate(request()));
    assert.equal(failure.status, 401);
    assert.deepEqual(header(failure, 'www-authenticate'), ['Bearer realm="api"']);
  });

  const refusals: [label: string, token: () => Promise<string>, description: string, config?: Partial<JwtAuthConfig>][] = [
    ['an expired token', () => sign(ec.privateKey, 'ES256', { exp: seconds(now) - 1 }), 'The token has expired'],
    ['a token not yet valid', () => sign(ec.privateKey, 'ES256', { nbf: seconds(now) + 60 }), 'The token is not yet valid'],
    ['a token signed by another key', () => sign(pair('ec').privateKey, 'ES256'), 'The token signature is invalid'],
    ['a token with alg "none"', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'admin', aud: 'shop', iss: 'https://issuer.test', exp: seconds(now) + 60 })}.`,
      'The token algorithm is not accepted'],
    ['an HS256 token keyed with the RS256 public key (algorithm confusion)',
      () => sign(Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' })), 'HS256'),
      'The token algorithm is not accepted', { publicKeyFile: '' }],
    ['a token for another audience', () => sign(ec.privateKey, 'ES256', { aud: 'billing' }), 'The token audience is not accepted'],
    ['a token from another issuer', () => sign(ec.privateKey, 'ES256', { iss: 'https://evil.test' }), 'The token issuer is not accepted'],
    ['a token without exp', () => new SignJWT({ sub: 'a', iss: 'https://issuer.test', aud: 'shop' }).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey),
      'The token lacks the exp claim'],
    ['a token without a user', () => sign(ec.privateKey, 'ES256', { sub: undefined }), 'The token does not name a user'],
    ['a malformed token', async () => 'abc.def.ghi', 'The token is malformed'],
  ];
  for (const [label, token, description, config] of refusals) {
    it(`refuses ${label} with error="invalid_token"`, async () => {
      const keyFile = config?.publicKeyFile === '' ? files['rsa']! : files['ec']!;
      const failure = expectFailure(await make({ publicKeyFile: keyFile }).authenticate(request([bearer(await token())])));
      assert.equal(failure.status, 401);
      assert.deepEqual(header(failure, 'www-authenticate'), [`Bearer realm="api", error="invalid_token", error_description="${description}"`]);
    });
  }

  it('refuses a token with the wrong algorithm for a JWKS key of the same kid', async () => {
    const token = await sign(Buffer.from(JSON.stringify(await exportJWK(ec.publicKey))), 'HS256', {}, { kid: 'ec-1' });
    expectFailure(await make({ jwksFile: files['jwks']! }).authenticate(request([bearer(token)])));
  });

  it('refuses with 403 a user claim carrying CR/LF', async () => {
    const token = await sign(ec.privateKey, 'ES256', { sub: 'alice\r\nx-portico-user: admin' });
    const failure = expectFailure(await make({ publicKeyFile: files['ec']! }).authenticate(request([bearer(token)])));
    assert.equal(failure.status, 403);
  });

  it('refuses with 403 a selected claim carrying a newline', async () => {
    const token = await sign(ec.privateKey, 'ES256', { email: 'a@b\nx-portico-user: admin' });
    expectFailure(await make({ publicKeyFile: files['ec']!, claims: ['email'] }).authenticate(request([bearer(token)])));
  });

  it('drops claims over maxClaimsBytes and reports it', async () => {
    const token = await sign(ec.privateKey, 'ES256', { groups: Array.from({ length: 50 }, (_, i) => `group-${i}`) });
    const dropped = log.next('auth.claims_dropped');
    const outcome = expectSuccess(await make({ publicKeyFile: files['ec']!, claims: ['groups'], maxClaimsBytes: 100 }).authenticate(request([bearer(token)])));
    assert.deepEqual(outcome.identity, { user: 'alice', scheme: 'jwt' });
    assert.equal((await dropped).fields['maxClaimsBytes'], 100);
  });

  it('never logs the token', async () => {
    const token = await sign(ec.privateKey, 'ES256', { exp: seconds(now) - 1 });
    await make({ publicKeyFile: files['ec']! }).authenticate(request([bearer(token)]));
    assert.ok(!JSON.stringify(log.events).includes(token.split('.')[2]!));
  });

  describe('configuration', () => {
    const refusedConfigs: [label: string, config: () => Partial<JwtAuthConfig>, error: RegExp][] = [
      ['HS256 with a public key (algorithm confusion)', () => ({ publicKeyFile: files['rsa']!, algorithms: ['HS256'] }), /auth\.algorithms.*HS256, which this key cannot verify/],
      ['RS256 with a secret', () => ({ secret, algorithms: ['RS256'] }), /auth\.algorithms.*RS256, which a shared secret cannot verify/],
      ['an algorithm outside the allow-list', () => ({ secret, algorithms: ['none' as 'HS256'] }), /auth\.algorithms.*"none"/],
      ['two key sources', () => ({ secret, publicKeyFile: files['ec']! }), /exactly one of/],
      ['no key source', () => ({}), /exactly one of/],
      ['a secret shorter than 32 bytes', () => ({ secret: 'short' }), /auth\.secret.*32 bytes/],
      ['an unset secretEnv', () => ({ secretEnv: 'NOT_SET' }), /auth\.secretEnv.*NOT_SET/],
      ['an unknown key', () => ({ secret, audiences: ['x'] } as Partial<JwtAuthConfig>), /auth\.audiences.*is not known/],
      ['a negative clockTolerance', () => ({ secret, clockTolerance: -1 }), /auth\.clockTolerance/],
    ];
    for (const [label, config, error] of refusedConfigs) {
      it(`refuses ${label}`, () => {
        assert.throws(() => make(config()), (e: unknown) => e instanceof InvalidAuthConfigError && error.test(e.message));
      });
    }

    it('refuses a private key where the public key belongs', () => {
      assert.throws(() => make({ publicKeyFile: files['private']! }), AuthKeyInvalidError);
    });

    it('refuses a JWKS holding a symmetric key', async () => {
      const file = join(dir.path, 'oct.json');
      await writeFile(file, JSON.stringify({ keys: [{ kty: 'oct', k: Buffer.from(secret).toString('base64url') }] }));
      assert.throws(() => make({ jwksFile: file }), /symmetric/);
    });

    // Failed before: the key file was read with readFileSync, so a FIFO blocked the event loop of
    // the process building the authenticator (the control's, a front's) for good.
    for (const key of ['publicKeyFile', 'jwksFile'] as const) {
      it(`refuses at once a ${key} that is a FIFO or a device, naming the key and what it is`, async () => {
        const fifo = join(dir.path, `${key}.fifo`);
        execFileSync('mkfifo', [fifo]);
        for (const [file, what] of [[fifo, 'a FIFO (named pipe)'], ['/dev/zero', 'a character device']] as const) {
          assert.throws(
            () => make({ [key]: file }),
            (e: unknown) => e instanceof AuthFileUnreadableError && e.message.includes(`auth.${key}`) && e.message.includes(`is ${what}, not a regular file`),
          );
        }
      });
    }
  });
});
