import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigInvalidError, loadConfig, resolveConfig } from '@portico/portico';
import { at, configFolder, minimal, problemsOf, selfSignedPem } from './fixtures.ts';

const env = { HOME: '/home/test' };

describe('loadConfig', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  beforeEach(async () => {
    folder = await configFolder({ 'users.htpasswd': '', 'shop/.keep': '' });
    const pem = selfSignedPem(folder.dir);
    await folder.write('tls/cert.pem', pem.cert);
    await folder.write('tls/key.pem', pem.key);
  });
  afterEach(() => folder.remove());

  it('loads JSON and YAML of the same config to the same resolved object', async () => {
    const json = await folder.write(
      'portico.json',
      JSON.stringify({
        listen: [{ port: 8443, tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' } }],
        admin: { port: 9901, socket: 'run/admin.sock' },
        apps: [{ name: 'shop', processPath: 'node', arguments: ['server.js', '--port', '0'], workingDirectory: 'shop', environmentVariables: { NODE_ENV: 'production' } }],
      }),
    );
    const yaml = await folder.write(
      'portico.yaml',
      [
        'listen:',
        '  - port: 8443',
        '    tls: { cert: tls/cert.pem, key: tls/key.pem }',
        'admin:',
        '  port: 9901',
        '  socket: run/admin.sock',
        'apps:',
        '  - name: shop',
        '    processPath: node',
        '    arguments: [server.js, --port, "0"]',
        '    workingDirectory: shop',
        '    environmentVariables:',
        '      NODE_ENV: production',
      ].join('\n'),
    );
    assert.deepEqual(await loadConfig(yaml, { env }), await loadConfig(json, { env }));
  });

  it('puts the admin socket of two config files in two folders by default, the same for the same file', async () => {
    const one = await folder.write('one/portico.json', minimal({}, { admin: { port: 9901 } }));
    const two = await folder.write('two/portico.json', minimal({}, { admin: { port: 9901 } }));
    const socket = async (file: string) => (await loadConfig(file, { env })).admin!.socket;
    assert.match(await socket(one), /\/portico-[0-9a-f]{16}\/admin\.sock$/);
    assert.notEqual(await socket(one), await socket(two));
    assert.equal(await socket(one), (await loadConfig(join(folder.dir, 'two', '..', 'one', 'portico.json'), { env })).admin!.socket);
  });

  it('builds nothing with checkBuild false: a token or key file it would refuse is not read', async () => {
    await folder.write('short-token', 'too-short\n');
    const file = await folder.write('short.json', minimal({}, { admin: { port: 9901, socket: './run/admin.sock', tokenFile: './short-token' } }));
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['refused', 'admin']]);
    assert.ok(!problems[0]!.message.includes('too-short'), 'the token is never shown');
    assert.equal((await loadConfig(file, { env, checkBuild: false })).admin!.socket, join(folder.dir, 'run', 'admin.sock'));
  });

  it('applies every default, including those derived from other keys', async () => {
    const config = await loadConfig(await folder.write('p.json', minimal()), { env });
    const app = config.apps[0]!;
    assert.deepEqual(config.listen, [{ port: 8080, host: '0.0.0.0', h2c: false }]);
    assert.deepEqual(config.limits, { maxHeaderBytes: 16384, maxHeaderCount: 100, headersTimeout: 60, bodyIdleTimeout: 60, sendTimeout: 60, keepAliveTimeout: 75, maxConnections: 10000 });
    assert.equal(config.watch, false);
    assert.equal(config.admin, undefined);
    assert.deepEqual(app.match, { host: '*', path: '/' });
    assert.deepEqual(app.arguments, []);
    assert.equal(app.workingDirectory, folder.dir);
    assert.equal(app.stdoutLogFile, join(folder.dir, 'logs', 'shop'));
    assert.equal(app.startupTimeLimit, 120);
    assert.equal(app.shutdownTimeLimit, 10);
    assert.equal(app.rapidFailsPerMinute, 10);
    assert.equal(app.requestTimeout, 120);
    assert.equal(app.processesPerApplication, 1);
    assert.equal(app.listenMode, 'tcp');
    assert.deepEqual(app.readiness, { kind: 'tcp' });
    assert.deepEqual(app.restart.backoff, { min: 0.1, max: 5, factor: 2, jitter: 0.2, resetAfter: 30 });
    assert.equal(app.start, 'lazy');
    assert.deepEqual(app.queue, { maxWaiting: 1000, timeout: 120 });
    assert.equal(app.stdoutLogEnabled, false);
    assert.equal(app.detailedErrors, false);
  });

  it('takes the queue timeout from the app\'s startupTimeLimit', async () => {
    const config = await loadConfig(await folder.write('p.json', minimal({ startupTimeLimit: 7 })), { env });
    assert.equal(config.apps[0]!.queue.timeout, 7);
  });

  it('returns a deeply frozen config', async () => {
    const config = await loadConfig(await folder.write('p.json', minimal()), { env });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.apps[0]!.restart.backoff));
    assert.ok(Object.isFrozen(config.apps[0]!.arguments));
  });

  it('resolves relative paths against the config file\'s folder', async () => {
    const file = await folder.write(
      'conf/portico.json',
      JSON.stringify({
        listen: [{ port: 8443, tls: { cert: '../tls/cert.pem', key: '../tls/key.pem' } }],
        apps: [
          { name: 'a', processPath: './bin/app', workingDirectory: '../shop', stdoutLogFile: 'logs/a', auth: { type: 'basic', htpasswdFile: '../users.htpasswd' } },
          { name: 'b', processPath: 'node', match: { path: '/b' } },
        ],
      }),
    );
    const config = await loadConfig(file, { env });
    const conf = join(folder.dir, 'conf');
    assert.equal(config.listen[0]!.tls?.cert, join(folder.dir, 'tls/cert.pem'));
    assert.equal(config.listen[0]!.tls?.key, join(folder.dir, 'tls/key.pem'));
    const [a, b] = config.apps;
    assert.equal(a!.processPath, join(conf, 'bin/app'));
    assert.equal(a!.workingDirectory, join(folder.dir, 'shop'));
    assert.equal(a!.stdoutLogFile, join(conf, 'logs/a'));
    assert.equal(a!.auth?.type === 'basic' ? a!.auth.htpasswdFile : undefined, join(folder.dir, 'users.htpasswd'));
    assert.equal(b!.processPath, 'node', 'a bare command is looked up in PATH, not resolved');
    assert.equal(b!.workingDirectory, conf);
  });

  it('splits a string of arguments as ANCM does', async () => {
    const config = await loadConfig(await folder.write('p.json', minimal({ arguments: 'server.js --name "my shop"' })), { env });
    assert.deepEqual(config.apps[0]!.arguments, ['server.js', '--name', 'my shop']);
  });

  it('normalises host matches to lower case and path prefixes without a trailing slash', async () => {
    const config = await loadConfig(await folder.write('p.json', minimal({ match: { host: 'Shop.Example.COM', path: '/shop/' } })), { env });
    assert.deepEqual(config.apps[0]!.match, { host: 'shop.example.com', path: '/shop' });
  });

  it('reports every kind of problem at once, in one coded error', async () => {
    const file = await folder.write(
      'p.json',
      JSON.stringify({
        listen: [{ port: 'http' }],
        apps: [
          { name: 'shop', processPath: 'node', startupTimeLimit: 5000, startupTimelimit: 5, listenMode: 'pipe', environmentVariables: { DB: '${DB_URL}' } },
          { name: 'shop', processPath: 'node', match: { path: '/other' }, auth: { type: 'basic', htpasswdFile: 'missing.htpasswd' } },
          { processPath: 'node', match: { path: '/third' } },
        ],
      }),
    );
    const error = await loadConfig(file, { env }).then(
      () => assert.fail('expected a ConfigInvalidError'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigInvalidError);
    assert.equal(error.code, 'PORTICO_ERR_CONFIG_INVALID');
    const kinds = Object.fromEntries(error.problems.map((p) => [p.path, p.kind]));
    assert.deepEqual(kinds, {
      'listen[0].port': 'type',
      'apps[0].startupTimeLimit': 'range',
      'apps[0].startupTimelimit': 'unknown-key',
      'apps[0].listenMode': 'enum',
      'apps[0].environmentVariables.DB': 'env',
      'apps[1].name': 'duplicate',
      'apps[1].auth.htpasswdFile': 'file',
      'apps[2].name': 'missing',
    });
    assert.match(at(error.problems, 'apps[0].startupTimelimit')!.message, /did you mean "startupTimeLimit"\?/);
    assert.match(at(error.problems, 'apps[0].environmentVariables.DB')!.message, /DB_URL/);
    const lines = error.message.split('\n');
    assert.equal(lines.length, 1 + error.problems.length, 'a header, then one line per problem');
    for (const line of lines.slice(1)) assert.ok(line.startsWith(`  ${file}: `), line);
    assert.ok(lines.some((line) => line.includes('apps[0].startupTimeLimit = 5000: is out of range; allowed: a number more than 0 and at most 3600')));
  });

  it('names the file, the value and what is allowed in each problem', async () => {
    const file = await folder.write('p.json', minimal({ listenMode: 'pipe' }));
    const [problem] = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problem, { kind: 'enum', file, path: 'apps[0].listenMode', value: 'pipe', message: 'is not one of the allowed values', allowed: '"tcp", "unix" or "socket-activation"' });
  });

  const ranges: [string, unknown, boolean][] = [
    ['startupTimeLimit', 0, false],
    ['startupTimeLimit', 0.5, true],
    ['startupTimeLimit', 3600, true],
    ['startupTimeLimit', 3601, false],
    ['shutdownTimeLimit', 0, true],
    ['shutdownTimeLimit', 600, true],
    ['shutdownTimeLimit', 601, false],
    ['rapidFailsPerMinute', 0, true],
    ['rapidFailsPerMinute', 100, true],
    ['rapidFailsPerMinute', 101, false],
    ['rapidFailsPerMinute', 2.5, false],
    ['processesPerApplication', 0, false],
    ['processesPerApplication', 100, true],
    ['processesPerApplication', 101, false],
    ['requestTimeout', 1296000, true],
    ['requestTimeout', 1296001, false],
    ['requestTimeout', 0, false],
  ];
  it('holds ANCM\'s ranges at their bounds', async () => {
    for (const [key, value, accepted] of ranges) {
      const file = await folder.write(`${key}-${String(value)}.json`, minimal({ [key]: value }));
      const outcome = await loadConfig(file, { env }).then(
        () => [] as const,
        (e: unknown) => (e instanceof ConfigInvalidError ? e.problems : assert.fail(String(e))),
      );
      assert.equal(outcome.length === 0, accepted, `${key} = ${String(value)}`);
      if (!accepted) assert.equal(outcome[0]!.path, `apps[0].${key}`);
    }
  });

  it('suggests nothing for an unknown key that is close to no allowed key', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ colour: 'blue' })), { env }));
    assert.equal(problems[0]!.kind, 'unknown-key');
    assert.doesNotMatch(problems[0]!.message, /did you mean/);
  });

  it('points keys of the auth section that belong to the app at the app', async () => {
    const problems = await problemsOf(
      loadConfig(await folder.write('p.json', minimal({ auth: { type: 'basic', htpasswdFile: 'users.htpasswd', forwardAuthToken: true } })), { env }),
    );
    assert.equal(problems[0]!.path, 'apps[0].auth.forwardAuthToken');
    assert.match(problems[0]!.message, /move it to apps\[0\]\.forwardAuthToken/);
  });

  it('reports a discriminated union by the branch its kind names', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ readiness: { kind: 'http' } })), { env }));
    assert.deepEqual(
      problems.map((p) => [p.kind, p.path]),
      [['missing', 'apps[0].readiness.path']],
    );
  });

  it('refuses two apps with the same match, compared after normalisation', async () => {
    const file = await folder.write(
      'p.json',
      JSON.stringify({ listen: [{ port: 1 }], apps: [{ name: 'a', processPath: 'x', match: { host: 'A.example', path: '/x/' } }, { name: 'b', processPath: 'x', match: { host: 'a.example', path: '/x' } }] }),
    );
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['duplicate', 'apps[1].match']]);
  });

  it('refuses listeners and the admin endpoint on the same socket', async () => {
    const file = await folder.write('p.json', minimal({}, { listen: [{ port: 8080 }, { port: 8080, host: '127.0.0.1' }], admin: { port: 8080 } }));
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['duplicate', 'listen[1].port'], ['conflict', 'admin.port']]);
  });

  it('refuses keys that contradict each other', async () => {
    const file = await folder.write(
      'p.json',
      JSON.stringify({
        listen: [{ port: 8443, tls: { cert: 'tls/cert.pem', key: 'tls/key.pem', requestCert: true } }],
        apps: [
          { name: 'a', processPath: 'x', restart: { backoff: { min: 10, max: 1 } }, auth: { type: 'jwt', secretEnv: 'S', jwksFile: 'users.htpasswd' } },
        ],
      }),
    );
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['missing', 'listen[0].tls.ca'], ['conflict', 'apps[0].restart.backoff.max'], ['conflict', 'apps[0].auth']]);
  });

  it('refuses h2c on an HTTPS listener and http2 on a plain one, saying which key goes where', async () => {
    const file = await folder.write('p.json', minimal({}, { listen: [{ port: 8443, tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' }, h2c: true }, { port: 8080, http2: true }] }));
    const problems = await problemsOf(loadConfig(file, { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['conflict', 'listen[0].h2c'], ['conflict', 'listen[1].http2']]);
    assert.match(problems[0]!.message, /plain listeners/);
  });

  it('refuses client-certificate auth without a listener that asks for certificates', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ auth: { type: 'client-cert' } })), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['conflict', 'apps[0].auth.type']]);
  });

  // Each auth subrequest to Portico's own listener came back as a request and sent another.
  it('refuses a forward auth url that leads to one of Portico\'s own listeners, saying what to point it at', async () => {
    const looping: [listen: Record<string, unknown>, url: string][] = [
      [{ port: 8080 }, 'http://127.0.0.1:8080/auth'],
      [{ port: 8080 }, 'http://localhost:8080/auth'],
      [{ port: 8080, host: '::' }, 'http://[::1]:8080/auth'],
      [{ port: 80, host: '127.0.0.1' }, 'http://localhost/auth'],
      [{ port: 8443, host: '::1', tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' } }, 'https://[::1]:8443/auth'],
      [{ port: 443, host: '10.1.2.3', tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' } }, 'https://10.1.2.3/auth'],
    ];
    for (const [listen, url] of looping) {
      const problems = await problemsOf(loadConfig(await folder.write('p.json', minimal({ auth: { type: 'forward', url } }, { listen: [{ port: 9, host: '127.0.0.1' }, listen] })), { env }));
      assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['conflict', 'apps[0].auth.url']], url);
      assert.match(problems[0]!.message, /leads to listen\[1\], Portico's own listener/);
      assert.match(problems[0]!.allowed!, /the auth service itself/);
    }
    const apart: [listen: Record<string, unknown>, url: string][] = [
      [{ port: 8080 }, 'http://127.0.0.1:8081/auth'],
      [{ port: 8080, host: '127.0.0.1' }, 'http://127.0.0.2:8080/auth'],
      [{ port: 8080, host: '0.0.0.0' }, 'http://[::1]:8080/auth'],
      [{ port: 0 }, 'http://127.0.0.1:80/auth'],
      [{ port: 443, host: '10.1.2.3' }, 'https://auth.example.com/auth'],
    ];
    for (const [listen, url] of apart) {
      await loadConfig(await folder.write('p.json', minimal({ auth: { type: 'forward', url } }, { listen: [listen] })), { env });
    }
  });

  it('refuses a working directory that does not exist, and a file where a folder is wanted', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', JSON.stringify({ listen: [{ port: 1 }], apps: [{ name: 'a', processPath: 'x', workingDirectory: 'nowhere' }, { name: 'b', processPath: 'x', match: { path: '/b' }, workingDirectory: 'users.htpasswd' }] })), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path, p.message.split(' (')[0]]), [
      ['file', 'apps[0].workingDirectory', 'does not exist'],
      ['file', 'apps[1].workingDirectory', 'is not a directory'],
    ]);
  });

  it('keeps a "__proto__" key a key, and reports it as unknown', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', '{"listen":[{"port":1}],"apps":[{"name":"a","processPath":"x","__proto__":{"polluted":true}}]}'), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.path]), [['unknown-key', 'apps[0].__proto__']]);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('reports JSON that does not parse', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', '{"listen": [}'), { env }));
    assert.equal(problems[0]!.kind, 'syntax');
    assert.match(problems[0]!.message, /^is not valid JSON/);
  });

  for (const [name, text, line, column, reason] of [
    ['a trailing comma', '{\n  "listen": [{ "port": 8080 }],\n  "apps": [\n    { "name": "shop", "processPath": "node", }\n  ]\n}\n', 4, 44, /a comma before } : JSON allows no trailing comma/],
    ['a missing comma', '{\n  "listen": [{ "port": 8080 }]\n  "apps": []\n}\n', 3, 3, /expected , or } after the value, found "\\""/],
    ['a value cut short', '{"listen": [{"port": tru}]}', 1, 22, /expected a value/],
    ['single quotes', "{'listen': []}", 1, 2, /keys need double quotes/],
    ['a file that ends early', '{\n  "listen": [\n', 2, 14, /found the end of the file/],
    ['a trailing comma in a list', '{"listen": [{"port": 1},]}', 1, 24, /a comma before ] : JSON allows no trailing comma/],
    ['a tab before the place', '{\n\t"listen": [}\n', 2, 13, /expected a value/],
  ] as const) {
    it(`reports JSON with ${name} at its line and column, quoting the line with a caret under the place (regression: "at position 84")`, async () => {
      const problems = await problemsOf(loadConfig(await folder.write('p.json', text), { env }));
      assert.equal(problems.length, 1);
      const [problem] = problems;
      assert.equal(problem!.kind, 'syntax');
      assert.match(problem!.message, new RegExp(`^is not valid JSON at line ${line}, column ${column}: `));
      assert.match(problem!.message, reason);
      assert.doesNotMatch(problem!.message, /position/);
      assert.deepEqual([problem!.line, problem!.column], [line, column]);
      const shown = text.split('\n')[line - 1]!;
      const caret = `${shown.slice(0, column - 1).replace(/[^\t]/g, ' ')}^`;
      assert.equal(problem!.excerpt, `    ${shown}\n    ${caret}`);
    });
  }

  it('prints a syntax problem as file:line:column, then the line and the caret', async () => {
    const file = await folder.write('p.json', '{"listen": [}');
    const error = await loadConfig(file, { env }).then(() => assert.fail('loaded'), (e: unknown) => e as Error);
    assert.ok(error.message.endsWith(`  ${file}:1:13: is not valid JSON at line 1, column 13: expected a value (a string, number, object, array, true, false or null), found "}"\n    {"listen": [}\n                ^`), error.message);
  });

  it('reports a YAML error at its line and column with the line and a caret', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.yaml', 'listen:\n  - port: 8080\napps:\n  - name: "shop\n'), { env }));
    assert.equal(problems.length, 1);
    const [problem] = problems;
    assert.equal(problem!.kind, 'syntax');
    assert.equal(problem!.message, 'is not valid YAML at line 4, column 16: Missing closing "quote');
    assert.equal(problem!.excerpt, '      - name: "shop\n                   ^');
  });

  it('reports every YAML error with its line', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.yaml', 'listen:\n  - port: 1\nlisten: []\napps: [\n'), { env }));
    assert.ok(problems.length >= 2, JSON.stringify(problems));
    assert.ok(problems.every((p) => p.kind === 'syntax' && /at line \d+/.test(p.message)));
  });

  it('refuses a file whose extension says no format', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.toml', ''), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.allowed]), [['syntax', 'a .json, .yaml or .yml file']]);
  });

  it('reports a config file that cannot be read', async () => {
    const problems = await problemsOf(loadConfig(join(folder.dir, 'absent.json'), { env }));
    assert.deepEqual(problems.map((p) => [p.kind, p.message]), [['file', 'cannot be read (ENOENT)']]);
  });

  it('refuses a file that is not one object', async () => {
    const problems = await problemsOf(loadConfig(await folder.write('p.json', '[]'), { env }));
    assert.equal(problems[0]!.kind, 'type');
  });
});

describe('resolveConfig', () => {
  it('reports values of every wrong shape without failing itself', () => {
    const input = {
      listen: 5,
      limits: [],
      admin: 'yes',
      watch: null,
      apps: [1, null, 'app', { name: 5, match: 'x', arguments: 7, restart: { backoff: 'fast' }, queue: 3, auth: 'basic', readiness: 'tcp', environmentVariables: [] }],
    };
    try {
      resolveConfig(input, { file: 'inline', baseDir: '/', env: {} });
      assert.fail('expected a ConfigInvalidError');
    } catch (error) {
      assert.ok(error instanceof ConfigInvalidError, String(error));
      const paths = error.problems.map((p) => p.path);
      for (const path of ['listen', 'limits', 'admin', 'watch', 'apps[0]', 'apps[1]', 'apps[2]', 'apps[3].name', 'apps[3].match', 'apps[3].arguments', 'apps[3].restart.backoff', 'apps[3].queue', 'apps[3].auth', 'apps[3].readiness', 'apps[3].environmentVariables', 'apps[3].processPath']) {
        assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
      }
    }
  });
});
