import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createAuthenticator, createSubrequestMark, InvalidAuthConfigError, type Authenticator, type ForwardAuthConfig } from '../src/index.ts';
import { bearer, EventLog, expectFailure, expectSuccess, header, request } from './support.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A real auth service on loopback whose answer depends on the credentials it is sent. */
class AuthService {
  readonly seen: Seen[] = [];
  readonly held: ServerResponse[] = [];
  #server: Server | undefined;
  #arrivals: (() => void)[] = [];
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      this.seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      for (const notify of this.#arrivals.splice(0)) notify();
      const credentials = req.headers.authorization ?? req.headers.cookie ?? '';
      if (credentials.includes('good') || credentials.includes('session=ok')) {
        res.writeHead(200, { 'x-auth-user': 'alice', 'x-auth-groups': 'admin', 'x-other': 'no' }).end('ok');
      } else if (credentials.includes('utf8')) {
        res.writeHead(200, [['x-auth-user', Buffer.from('zoë', 'utf8').toString('latin1')]]).end();
      } else if (credentials.includes('latin1')) {
        // As node:http writes a plain string: one byte per character, 0xEB for ë.
        res.writeHead(200, [['x-auth-user', credentials.includes('acute') ? 'zoé' : 'zoë']]).end();
      } else if (credentials.includes('deny')) {
        res.writeHead(401, [['www-authenticate', 'Bearer realm="sso"'], ['www-authenticate', 'Basic realm="sso"']]).end();
      } else if (credentials.includes('forbid')) {
        res.writeHead(403).end();
      } else if (credentials.includes('nouser')) {
        res.writeHead(204).end();
      } else if (credentials.includes('hold')) {
        this.held.push(res);
      } else {
        res.writeHead(500).end('boom');
      }
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/auth`;
  }

  /** Resolves when the next subrequest arrives. */
  arrival(): Promise<void> {
    return new Promise((resolve) => this.#arrivals.push(resolve));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    this.#server?.close();
    if (this.#server?.listening) await once(this.#server, 'close');
  }
}

describe('forward authenticator', () => {
  const service = new AuthService();
  let now = 0;
  let log: EventLog;
  const created: Authenticator[] = [];

  before(() => service.start());
  after(() => service.stop());
  beforeEach(() => {
    service.seen.length = 0;
    for (const held of service.held.splice(0)) held.destroy();
    log = new EventLog();
  });
  afterEach(async () => {
    await Promise.all(created.splice(0).map((auth) => auth.close()));
  });

  function make(config: Partial<ForwardAuthConfig> = {}): Authenticator {
    const auth = createAuthenticator(
      { type: 'forward', url: service.url, copyHeaders: ['x-auth-groups'], ...config },
      { clock: () => now, onEvent: log.onEvent },
    );
    created.push(auth);
    return auth;
  }

  it('allows on 2xx, names the user from x-auth-user and copies the configured headers only', async () => {
    const outcome = expectSuccess(await make().authenticate(request([bearer('good')])));
    assert.deepEqual(outcome.identity, { user: 'alice', scheme: 'forward', extraHeaders: [['x-auth-groups', 'admin']] });
  });

  it('sends the original method and URI and the credentials to the service', async () => {
    await make().authenticate(request([bearer('good'), ['cookie', 'a=1'], ['cookie', 'b=2'], ['x-private', 'no']], { method: 'POST' }));
    const [seen] = service.seen;
    assert.equal(seen!.method, 'GET');
    assert.equal(seen!.url, '/auth');
    assert.equal(seen!.headers['x-original-method'], 'POST');
    assert.equal(seen!.headers['x-original-uri'], '/app/page?x=1');
    assert.equal(seen!.headers.authorization, 'Bearer good');
    assert.equal(seen!.headers.cookie, 'a=1; b=2');
    assert.equal(seen!.headers['x-private'], undefined);
  });

  describe('its own subrequests, arriving back (auth loops)', () => {
    const mark = createSubrequestMark();
    const marked = (value: string) => request([bearer('good'), ['x-portico-auth-subrequest', value]]);
    const withMark = () => {
      const auth = createAuthenticator({ type: 'forward', url: service.url }, { onEvent: log.onEvent, subrequestMark: mark });
      created.push(auth);
      return auth;
    };

    it('marks each subrequest with the Portico\'s mark, whatever the client sent under that name', async () => {
      await withMark().authenticate(marked('forged'));
      assert.equal(service.seen[0]!.headers['x-portico-auth-subrequest'], mark);
    });

    it('knows a request that carries the mark, and logs auth.loop_detected with the URL', () => {
      assert.equal(withMark().loopsBack(marked(mark)), true);
      assert.deepEqual(log.named('auth.loop_detected').map((e) => e.fields), [{ scheme: 'forward', url: service.url, remoteAddress: '127.0.0.1' }]);
    });

    it('takes a client\'s guess for no mark: a wrong, shorter, longer, empty or repeated value', () => {
      const auth = withMark();
      for (const guess of ['forged', mark.slice(1), `${mark}x`, '', mark.toUpperCase()]) assert.equal(auth.loopsBack(marked(guess)), false, guess);
      assert.equal(auth.loopsBack(request([['x-portico-auth-subrequest', mark], ['x-portico-auth-subrequest', mark]])), false);
      assert.equal(auth.loopsBack(request()), false);
      assert.deepEqual(log.named('auth.loop_detected'), []);
    });

    it('knows its own subrequests without a mark given, and no other Portico\'s', async () => {
      const own = make();
      await own.authenticate(request([bearer('good')]));
      const sent = service.seen[0]!.headers['x-portico-auth-subrequest'] as string;
      assert.equal(own.loopsBack(marked(sent)), true);
      assert.equal(make().loopsBack(marked(sent)), false, 'another authenticator made its own mark');
      assert.equal(withMark().loopsBack(marked(sent)), false);
    });

    it('is never a loop for an authenticator that sends no subrequest', () => {
      const auth = createAuthenticator({ type: 'jwt', secret: 'x'.repeat(32) }, { subrequestMark: mark });
      created.push(auth);
      assert.equal(auth.loopsBack(marked(mark)), false);
    });
  });

  it('allows by cookie alone', async () => {
    expectSuccess(await make().authenticate(request([['cookie', 'session=ok']])));
  });

  it('decodes a UTF-8 user name', async () => {
    assert.equal(expectSuccess(await make().authenticate(request([bearer('utf8')]))).identity.user, 'zoë');
  });

  // Regression: a service that wrote the name as node:http writes a plain string (res.set('x-auth-user',
  // 'zoë') in docs/embedding.md's host) sent latin1 bytes, which were decoded with U+FFFD for each
  // byte that is not UTF-8: zoë and zoé both reached the backend as the user "zo\uFFFD", one identity.
  it('refuses a user name that is not UTF-8, saying how a Node service sends one', async () => {
    for (const credentials of ['latin1', 'latin1-acute']) {
      const failure = expectFailure(await make().authenticate(request([bearer(credentials)])));
      assert.equal(failure.status, 502);
      assert.match(failure.reason, /x-auth-user header that is not UTF-8.*Buffer\.from\(user\)\.toString\('latin1'\)/);
    }
    assert.equal(log.named('auth.service_error').length, 2);
  });

  it('returns a 401 with every challenge of the service', async () => {
    const failure = expectFailure(await make().authenticate(request([bearer('deny')])));
    assert.equal(failure.status, 401);
    assert.deepEqual(header(failure, 'www-authenticate'), ['Bearer realm="sso"', 'Basic realm="sso"']);
  });

  it('returns a 403 when the service forbids', async () => {
    assert.equal(expectFailure(await make().authenticate(request([bearer('forbid')]))).status, 403);
  });

  it('turns a 500 from the service into a 502 and reports auth.service_error', async () => {
    const failure = expectFailure(await make().authenticate(request([bearer('other')])));
    assert.equal(failure.status, 502);
    assert.match(failure.reason, /answered 500/);
    assert.equal(log.named('auth.service_error').length, 1);
  });

  it('turns a 2xx without the user header into a 502', async () => {
    assert.match(expectFailure(await make().authenticate(request([bearer('nouser')]))).reason, /without a x-auth-user header/);
  });

  it('turns a service that does not answer in time into a 502', async () => {
    const failure = expectFailure(await make({ timeout: 0.2 }).authenticate(request([bearer('hold')])));
    assert.equal(failure.status, 502);
    assert.match(failure.reason, /did not answer within 200 ms/);
  });

  it('turns a refused connection into a 502', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    closed.close();
    await once(closed, 'close');
    const failure = expectFailure(await make({ url: `http://127.0.0.1:${port}/` }).authenticate(request([bearer('good')])));
    assert.equal(failure.status, 502);
    assert.match(failure.reason, /ECONNREFUSED/);
  });

  it('shares one subrequest among identical concurrent requests', async () => {
    const auth = make();
    const arrived = service.arrival();
    const pending = Array.from({ length: 5 }, () => auth.authenticate(request([bearer('hold-1')])));
    await arrived;
    service.held.shift()!.writeHead(200, { 'x-auth-user': 'held' }).end();
    for (const outcome of await Promise.all(pending)) assert.equal(expectSuccess(outcome).identity.user, 'held');
    assert.equal(service.seen.length, 1);
  });

  it('does not share a subrequest between different credentials', async () => {
    const auth = make();
    await Promise.all([auth.authenticate(request([bearer('good-1')])), auth.authenticate(request([bearer('good-2')]))]);
    assert.equal(service.seen.length, 2);
  });

  it('reuses an allow decision within cacheTtl and asks again after it', async () => {
    const auth = make({ cacheTtl: 10 });
    expectSuccess(await auth.authenticate(request([bearer('good')])));
    now += 9_999;
    expectSuccess(await auth.authenticate(request([bearer('good')])));
    assert.equal(service.seen.length, 1);
    now += 1;
    expectSuccess(await auth.authenticate(request([bearer('good')])));
    assert.equal(service.seen.length, 2);
  });

  it('never caches a denial', async () => {
    const auth = make({ cacheTtl: 10 });
    await auth.authenticate(request([bearer('deny')]));
    await auth.authenticate(request([bearer('deny')]));
    assert.equal(service.seen.length, 2);
  });

  it('keys the cache on method and URI too by default', async () => {
    const auth = make({ cacheTtl: 10 });
    await auth.authenticate(request([bearer('good')], { target: '/a' }));
    await auth.authenticate(request([bearer('good')], { target: '/admin' }));
    await auth.authenticate(request([bearer('good')], { target: '/a', method: 'DELETE' }));
    assert.equal(service.seen.length, 3);
  });

  it('keys the cache on credentials alone with cacheScope "credentials"', async () => {
    const auth = make({ cacheTtl: 10, cacheScope: 'credentials' });
    await auth.authenticate(request([bearer('good')], { target: '/a' }));
    await auth.authenticate(request([bearer('good')], { target: '/admin' }));
    assert.equal(service.seen.length, 1);
  });

  it('forgets the least recently used decision beyond cacheSize', async () => {
    const auth = make({ cacheTtl: 10, cacheSize: 1 });
    await auth.authenticate(request([bearer('good-1')]));
    await auth.authenticate(request([bearer('good-2')]));
    await auth.authenticate(request([bearer('good-1')]));
    assert.equal(service.seen.length, 3);
  });

  it('lists its copied headers for stripInboundHeaders', () => {
    assert.deepEqual(make().stripOptions, { forwardAuthToken: false, reservedHeaders: ['x-auth-groups'] });
  });

  it('ends outstanding subrequests on close, answering 502', async () => {
    const auth = make({ timeout: 30 });
    const arrived = service.arrival();
    const pending = auth.authenticate(request([bearer('hold-2')]));
    await arrived;
    await auth.close();
    assert.equal(expectFailure(await pending).status, 502);
    service.held.shift()?.destroy();
  });

  describe('configuration', () => {
    const refused: [label: string, config: Partial<ForwardAuthConfig>, error: RegExp][] = [
      ['plain http to a remote host', { url: 'http://auth.example.com/check' }, /auth\.url.*https/],
      ['a URL with credentials', { url: 'https://user:pw@auth.example.com/' }, /auth\.url.*credentials/],
      ['a non-http URL', { url: 'file:///etc/passwd' }, /auth\.url/],
      ['copying an identity header', { copyHeaders: ['X-Portico-User'] }, /auth\.copyHeaders.*Portico sets itself/],
      ['copying x-forwarded-for', { copyHeaders: ['x_forwarded_for'] }, /auth\.copyHeaders/],
      ['copying a framing header', { copyHeaders: ['transfer-encoding'] }, /auth\.copyHeaders/],
      ['a zero cacheSize', { cacheSize: 0 }, /auth\.cacheSize/],
      ['an unknown cacheScope', { cacheScope: 'user' as 'request' }, /auth\.cacheScope/],
    ];
    for (const [label, config, error] of refused) {
      it(`refuses ${label}`, () => {
        assert.throws(() => make({ url: service.url, ...config }), (e: unknown) => e instanceof InvalidAuthConfigError && error.test(e.message));
      });
    }

    it('accepts https to a remote host and http to localhost', () => {
      make({ url: 'https://auth.example.com/check' });
      make({ url: 'http://localhost:9000/check' });
    });
  });
});
