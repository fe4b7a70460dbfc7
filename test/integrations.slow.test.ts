import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { onFreePort, type HttpReply, type RequestTarget } from '@portico/test-support';
import {
  buildGo, integrations, missing, privateDir, programs, root, send, startLanguageBackend, stopLanguageBackends, type LanguageBackend,
} from './helpers/languageBackends.ts';

/**
 * Every integration in integrations/<lang>/ against the backend contract of docs/architecture.md:
 * the table is parsed, and each of its rows names a check that every integration must pass (or
 * declare, with the reason, that its server cannot offer it). A new row without a check fails.
 */
type CheckId = 'tcp' | 'unix' | 'fd' | 'token' | 'applPath' | 'tokenHeader' | 'forwarded' | 'prefix' | 'identity' | 'clientCert' | 'stop';

const rowChecks: Readonly<Record<string, CheckId>> = {
  'PORT, PORTICO_PORT': 'tcp',
  PORTICO_SOCKET: 'unix',
  'LISTEN_FDS=1, LISTEN_PID': 'fd',
  PORTICO_TOKEN: 'token',
  PORTICO_APPL_PATH: 'applPath',
  'header x-portico-token': 'tokenHeader',
  'x-forwarded-for, -proto, -host, -port, x-request-id': 'forwarded',
  'x-forwarded-prefix': 'prefix',
  'x-portico-user (and claims)': 'identity',
  'x-portico-client-cert': 'clientCert',
  stop: 'stop',
};

/** The first cells of the table under "## The contract with a backend", backticks removed. */
function contractRows(): string[] {
  const text = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const section = text.split(/^## The contract with a backend$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*(what|-+)\s*\|/.test(line))
    .map((line) => line.split('|')[1]!.replace(/`/g, '').trim());
}

interface IntegrationUnderTest {
  readonly name: string;
  readonly needs: Parameters<typeof missing>[0];
  prepare?(dir: string): Promise<void>;
  /** The echo example, listening per the environment (port: for servers that take it as an argument). */
  echo(port: number): string[];
  /** The README's ten-line example. */
  hello(port: number): string[];
  /** Printed once the server listens. */
  readonly listening: string;
  readonly cannot: Partial<Record<CheckId, string>>;
}

const py = (file: string) => [programs.python, join(integrations, 'python/example', file)];
const puma = (file: string) => [programs.puma, '-C', join(integrations, 'ruby/puma.rb'), join(integrations, 'ruby/example', file)];
const php = (file: string, port: number) => [programs.php, '-S', `127.0.0.1:${port}`, join(integrations, 'php/example', file)];
const goBinaries = { echo: '', hello: '' };

const phpCannot = 'PHP\'s built-in server (php -S) listens on a TCP address only';
const underTest: readonly IntegrationUnderTest[] = [
  { name: 'python WSGI (standard library server)', needs: { programs: ['python'] }, echo: () => py('wsgi_app.py'), hello: () => py('hello.py'), listening: 'portico.integration.listening', cannot: {} },
  {
    name: 'python ASGI (uvicorn)',
    needs: { programs: ['python'], pythonModules: ['uvicorn', 'starlette'] },
    echo: () => py('starlette_app.py'),
    hello: () => py('hello_asgi.py'),
    listening: 'Uvicorn running on',
    cannot: {},
  },
  {
    name: 'go net/http',
    needs: { programs: ['go'] },
    prepare: async (dir) => {
      goBinaries.echo = await buildGo(dir, './example', 'echo');
      goBinaries.hello = await buildGo(dir, './example/hello', 'hello');
    },
    echo: () => [goBinaries.echo],
    hello: () => [goBinaries.hello],
    listening: 'portico.integration.listening',
    cannot: {},
  },
  { name: 'ruby Rack (Puma)', needs: { programs: ['ruby', 'puma'] }, echo: () => puma('config.ru'), hello: () => puma('hello.ru'), listening: 'Use Ctrl-C to stop', cannot: {} },
  {
    name: 'php (built-in server)',
    needs: { programs: ['php'] },
    echo: (port) => php('index.php', port),
    hello: (port) => php('hello.php', port),
    listening: 'Development Server',
    cannot: {
      unix: phpCannot,
      fd: phpCannot,
      stop: 'php -S ends at once on SIGTERM: it has no graceful stop (integrations/php/README.md)',
    },
  },
];

const token = 'tok-4f1c9a2e-77d0-4b8e-9c31-5a6b7c8d9e0f';
const wrongToken = 'guess-0000';
const certificate = Buffer.from([0x30, 0x82, 0x01, 0xff, 0x00, 0x10, 0xfe]);
const utf8AsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** The echo's JSON with the integration's field names made camelCase (client_address → clientAddress). */
function portico(reply: HttpReply): Record<string, unknown> | null {
  assert.equal(reply.status, 200, reply.body);
  const body = JSON.parse(reply.body) as { portico: Record<string, unknown> | null };
  if (body.portico === null || body.portico === undefined) return null;
  return Object.fromEntries(Object.entries(body.portico).map(([key, value]) => [key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), value]));
}

const withToken = (...headers: (readonly [string, string])[]) => [['x-portico-token', token] as const, ...headers];

describe('integrations/<lang> honour the backend contract of docs/architecture.md', function () {
  this.timeout(60_000);

  it('has a check for every row of the contract table', () => {
    const rows = contractRows();
    assert.ok(rows.length >= 10, `the contract table in docs/architecture.md has ${rows.length} rows`);
    const unchecked = rows.filter((row) => rowChecks[row] === undefined);
    assert.deepEqual(unchecked, [], 'rows of the contract table that no integration test checks: add a check to rowChecks');
  });

  for (const integration of underTest) {
    describe(integration.name, function () {
      let dir: string;
      let port: number;
      let backend: LanguageBackend;
      const target = (): RequestTarget => ({ port });

      const start = async (command: string[], env: Record<string, string>, listenFd?: Parameters<typeof startLanguageBackend>[2]) => {
        const started = startLanguageBackend(command, env, listenFd);
        await started.outputIncludes(integration.listening);
        return started;
      };

      before(async function () {
        const reason = await missing(integration.needs);
        if (reason !== undefined) {
          console.log(`      skipped: ${reason}`);
          this.skip();
        }
        dir = await privateDir('portico-integrations-');
        await integration.prepare?.(dir);
        ({ port, started: backend } = await onFreePort((free) =>
          start(integration.echo(free), { PORTICO_PORT: String(free), PORT: String(free), PORTICO_TOKEN: token, PORTICO_APPL_PATH: '/mounted' }),
        ));
      });
      after(async () => {
        await stopLanguageBackends();
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      const checks: Record<CheckId, () => Promise<void>> = {
        tcp: async () => {
          assert.equal((await send(target(), '/tcp', withToken())).status, 200);
        },
        token: async () => {
          const before = backend.output.length;
          assert.equal((await send(target(), '/no-token', [['x-portico-user', 'mallory']])).status, 400);
          assert.equal((await send(target(), '/wrong', [['x-portico-token', wrongToken]])).status, 400);
          assert.equal((await send(target(), '/twice', [['x-portico-token', token], ['x-portico-token', token]])).status, 400);
          await backend.outputIncludes(/token_rejected[^\n]*\/twice/);
          const logged = backend.output.slice(before);
          assert.match(logged, /portico\.integration\.token_rejected: 400 for GET \/no-token from 127\.0\.0\.1: the x-portico-token header is missing/);
          assert.ok(!logged.includes(token) && !logged.includes(wrongToken), `a token was logged:\n${logged}`);
          assert.equal((await send(target(), '/with-token', withToken())).status, 200);
        },
        tokenHeader: async () => {
          const reply = await send(target(), '/saw', withToken());
          assert.equal((JSON.parse(reply.body) as { sawToken: boolean }).sawToken, false, 'the app saw x-portico-token');
        },
        applPath: async () => {
          assert.equal((JSON.parse((await send(target(), '/appl', withToken())).body) as { applPath: string }).applPath, '/mounted');
        },
        forwarded: async () => {
          const info = portico(await send(target(), '/fwd', withToken(
            ['x-forwarded-for', '6.6.6.6, 198.51.100.4'], ['x-forwarded-proto', 'HTTPS'], ['x-forwarded-host', 'shop.example'],
            ['x-forwarded-port', '8443'], ['x-request-id', 'req-42'],
          )));
          assert.deepEqual(
            [info?.['clientAddress'], info?.['protocol'], info?.['host'], info?.['port'], info?.['requestId']],
            ['198.51.100.4', 'https', 'shop.example', 8443, 'req-42'],
          );
        },
        prefix: async () => {
          const info = portico(await send(target(), '/items', withToken(['x-forwarded-prefix', '/asgi'])));
          assert.equal(info?.['prefix'], '/asgi');
        },
        identity: async () => {
          const info = portico(await send(target(), '/who', withToken(
            ['x-portico-user', utf8AsLatin1('älice')], ['x-portico-auth', 'basic'], ['x-portico-claims', '{"role":"admin"}'],
          )));
          assert.deepEqual([info?.['user'], info?.['authScheme'], info?.['claims']], ['älice', 'basic', { role: 'admin' }]);
        },
        clientCert: async () => {
          const info = portico(await send(target(), '/cert', withToken(['x-portico-client-cert', certificate.toString('base64')])));
          assert.equal(info?.['clientCertificate'], certificate.toString('base64'));
        },
        unix: async () => {
          const socketDir = join(dir, 'unix');
          await import('node:fs/promises').then((fs) => fs.mkdir(socketDir, { mode: 0o700 }));
          await chmod(socketDir, 0o700);
          const socketPath = join(socketDir, 'backend.sock');
          // Without a token: the check is off, and the forwarded headers are not read at all.
          await start(integration.echo(0), { PORTICO_SOCKET: socketPath });
          const reply = await send({ socketPath }, '/unix', [['x-portico-user', 'mallory'], ['x-forwarded-for', '6.6.6.6']]);
          assert.equal(portico(reply), null, 'forwarded headers were read without a pairing token');
        },
        fd: async () => {
          const socket = createServer();
          socket.listen(0, '127.0.0.1');
          await once(socket, 'listening');
          const inherited = (socket.address() as { port: number }).port;
          await start(integration.echo(0), { PORTICO_TOKEN: token }, socket);
          socket.close();
          assert.equal((await send({ port: inherited }, '/fd', withToken())).status, 200);
          assert.equal((await send({ port: inherited }, '/fd')).status, 400);
        },
        stop: async () => {
          const { port: stopPort, started: stopping } = await onFreePort((free) =>
            start(integration.echo(free), { PORTICO_PORT: String(free), PORTICO_TOKEN: token }),
          );
          const inFlight = send({ port: stopPort }, '/slow', withToken());
          await stopping.outputIncludes('slow: started');
          process.kill(-stopping.child.pid!, 'SIGTERM'); // Portico signals the process group
          assert.equal((await inFlight).status, 200, 'the request in flight was cut');
          assert.deepEqual(await stopping.exited, { code: 0, signal: null });
        },
      };

      for (const row of contractRows()) {
        const id = rowChecks[row];
        if (id === undefined) continue;
        const cannot = integration.cannot[id];
        if (cannot !== undefined) {
          it(`${row}: not offered, ${cannot}`, function () {
            this.skip();
          });
        } else {
          it(`honours ${row}`, checks[id]);
        }
      }

      it('runs the README example', async () => {
        const { port: helloPort } = await onFreePort((free) =>
          start(integration.hello(free), { PORTICO_PORT: String(free), PORT: String(free), PORTICO_TOKEN: token }),
        );
        assert.equal((await send({ port: helloPort }, '/')).status, 400);
        const reply = await send({ port: helloPort }, '/', withToken(['x-portico-user', 'alice'], ['x-forwarded-for', '203.0.113.9']));
        assert.equal(reply.status, 200);
        assert.match(reply.body, /hello alice from 203\.0\.113\.9/);
        // An app without auth: Portico names no user, and each example says stranger (Go's said "hello  from").
        const anonymous = await send({ port: helloPort }, '/', withToken(['x-forwarded-for', '203.0.113.9']));
        assert.match(anonymous.body, /^hello stranger from 203\.0\.113\.9$/m);
      });
    });
  }
});
