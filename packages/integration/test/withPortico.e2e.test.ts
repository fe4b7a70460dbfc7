import assert from 'node:assert/strict';
import { TokenRequiredError, withPortico } from '../src/index.ts';
import { request, type Echo } from './helpers/request.ts';
import { startBackend, stopAllBackends, type Backend } from './helpers/startBackend.ts';

const token = 'f3b1c0de-7a44-4c1e-9d0b-5e2a11aa9c01';

async function echo(port: number, headers: readonly (readonly [string, string])[]): Promise<Echo> {
  const reply = await request({ port }, { headers });
  assert.equal(reply.status, 200, reply.body);
  return JSON.parse(reply.body) as Echo;
}

describe('withPortico', () => {
  describe('under Portico (token in the environment)', () => {
    let backend: Backend;
    let port: number;

    before(async () => {
      backend = startBackend({ env: { PORTICO_PORT: '0', PORTICO_TOKEN: token } });
      port = Number((await backend.event('listening'))['port']);
    });
    after(stopAllBackends);

    it('answers 400 to a request without the token and logs why', async () => {
      const reply = await request({ port }, { path: '/echo?x=1' });
      assert.equal(reply.status, 400);
      assert.equal(reply.headers.connection, 'close');
      await backend.stderrIncludes('portico.integration.token_rejected: 400 for GET /echo from 127.0.0.1: the x-portico-token header is missing');
    });

    it('answers 400 to a wrong token and logs neither the expected nor the presented token', async () => {
      const wrong = 'not-the-token-0123456789';
      const reply = await request({ port }, { path: '/wrong', headers: [['x-portico-token', wrong]] });
      assert.equal(reply.status, 400);
      await backend.stderrIncludes('400 for GET /wrong');
      assert.ok(!backend.stderr.includes(token), 'the expected token is logged');
      assert.ok(!backend.stderr.includes(wrong), 'the presented token is logged');
      assert.ok(!backend.stdout.includes(token));
    });

    it('answers 400 to a token that is a prefix of the real one', async () => {
      const reply = await request({ port }, { headers: [['x-portico-token', token.slice(0, -1)]] });
      assert.equal(reply.status, 400);
    });

    it('answers 400 to the token sent twice', async () => {
      const reply = await request({ port }, { headers: [['x-portico-token', token], ['x-portico-token', token]] });
      assert.equal(reply.status, 400);
    });

    it('removes a valid token from req.headers and req.rawHeaders before the handler runs', async () => {
      const seen = await echo(port, [['X-Portico-Token', token], ['x-other', 'kept']]);
      assert.equal(seen.headers['x-portico-token'], undefined);
      assert.ok(!seen.rawHeaders.some((entry) => entry.toLowerCase() === 'x-portico-token'));
      assert.ok(!seen.rawHeaders.includes(token));
      assert.equal(seen.headers['x-other'], 'kept');
    });

    it('fills req.portico from the forwarded headers of a request with a valid token', async () => {
      const certificate = Buffer.from([0x30, 0x82, 0x01, 0x0a, 0xff]);
      const seen = await echo(port, [
        ['x-portico-token', token],
        ['x-forwarded-for', '203.0.113.7'],
        ['x-forwarded-proto', 'https'],
        ['x-forwarded-host', 'shop.example'],
        ['x-forwarded-port', '443'],
        ['x-forwarded-prefix', '/shop'],
        ['x-request-id', 'req-42'],
        ['x-portico-user', 'alice'],
        ['x-portico-auth', 'jwt'],
        ['x-portico-claims', JSON.stringify({ sub: 'alice', roles: ['admin'] })],
        ['x-portico-client-cert', certificate.toString('base64')],
      ]);
      assert.deepEqual(seen.portico, {
        clientAddress: '203.0.113.7',
        protocol: 'https',
        host: 'shop.example',
        port: 443,
        prefix: '/shop',
        requestId: 'req-42',
        user: 'alice',
        authScheme: 'jwt',
        claims: { sub: 'alice', roles: ['admin'] },
        clientCertificate: certificate.toString('base64'),
      });
      assert.equal(seen.propertyMatches, true, 'req.portico and getPortico(req) agree');
      assert.equal(seen.headers['x-portico-user'], 'alice', 'the raw headers stay as they are');
    });

    it('takes the right-most x-forwarded-for value as the client address', async () => {
      const seen = await echo(port, [
        ['x-portico-token', token],
        ['x-forwarded-for', '6.6.6.6, 10.0.0.1'],
      ]);
      assert.equal(seen.portico?.['clientAddress'], '10.0.0.1');
    });

    it('takes the right-most entry without the spaces and tabs around it, across repeated lines', async () => {
      const seen = await echo(port, [
        ['x-portico-token', token],
        ['x-forwarded-for', '6.6.6.6'],
        ['x-forwarded-for', ' \t7.7.7.7 ,\t 10.0.0.1 \t'],
        ['x-forwarded-proto', '\tHTTPS '],
      ]);
      assert.equal(seen.portico?.['clientAddress'], '10.0.0.1');
      assert.equal(seen.portico?.['protocol'], 'https');
    });

    it('reads the identity as UTF-8', async () => {
      const raw = Buffer.from('zoë', 'utf8').toString('latin1');
      const seen = await echo(port, [['x-portico-token', token], ['x-portico-user', raw]]);
      assert.equal(seen.portico?.['user'], 'zoë');
    });

    it('never lets a spoofed x-portico-user without a valid token reach the handler', async () => {
      const missing = await request({ port }, { headers: [['x-portico-user', 'mallory']] });
      const wrong = await request({ port }, { headers: [['x-portico-user', 'mallory'], ['x-portico-token', 'guess']] });
      assert.equal(missing.status, 400);
      assert.equal(wrong.status, 400);
      assert.ok(!missing.body.includes('mallory') && !wrong.body.includes('mallory'));
    });

    it('ignores underscore and dot spellings of the identity header', async () => {
      const seen = await echo(port, [
        ['x-portico-token', token],
        ['x_portico_user', 'mallory'],
        ['x.portico.user', 'mallory'],
      ]);
      assert.equal(seen.portico?.['user'], undefined);
    });
  });

  describe('without Portico (no token in the environment)', () => {
    after(stopAllBackends);

    it('lets requests through and leaves req.portico absent, whatever headers they carry', async () => {
      const backend = startBackend({ env: { PORT: '0' } });
      const port = Number((await backend.event('listening'))['port']);
      const seen = await echo(port, [
        ['x-portico-user', 'mallory'],
        ['x-forwarded-for', '6.6.6.6'],
      ]);
      assert.equal(seen.hasPorticoProperty, false);
      assert.equal(seen.portico, undefined);
      assert.equal(seen.headers['x-portico-user'], 'mallory');
    });

    it('throws TokenRequiredError at creation with requireToken', () => {
      assert.throws(
        () => withPortico(() => undefined, { env: {}, requireToken: true }),
        (error: unknown) => error instanceof TokenRequiredError && /PORTICO_TOKEN/.test(error.message),
      );
    });

    it('refuses to start a backend with requireToken outside Portico', async () => {
      const backend = startBackend({ env: { PORT: '0', FIXTURE_REQUIRE_TOKEN: '1' } });
      const { code } = await backend.exited;
      assert.notEqual(code, 0);
      assert.match(backend.stderr, /PORTICO_ERR_INTEGRATION_TOKEN_REQUIRED/);
    });
  });
});
