import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminTarget } from '../../src/cli/internal/adminTarget.ts';
import { runAppCommand } from '../../src/cli/internal/runAppCommand.ts';
import { CommandFailure } from '../../src/cli/CommandFailure.ts';
import { UsageError } from '../../src/cli/UsageError.ts';

const io = { stdout: () => {}, stderr: () => {}, env: {}, cwd: '/' };

describe('adminTarget -a HOST:PORT', () => {
  for (const [given, url] of [
    ['127.0.0.1:9901', 'http://127.0.0.1:9901'],
    ['localhost:80', 'http://localhost:80'],
    ['[::1]:9901', 'http://[::1]:9901'],
    ['9901', 'http://127.0.0.1:9901'],
    // The status page address that portico start prints (regression: refused as a socket path).
    ['http://127.0.0.1:9901/', 'http://127.0.0.1:9901'],
    ['http://localhost:9901', 'http://localhost:9901'],
    ['http://[::1]:9901/', 'http://[::1]:9901'],
  ] as const) {
    it(`reads ${given} as ${url}`, async () => {
      assert.equal((await adminTarget({ admin: given }, io, 'status')).url, url);
    });
  }

  for (const given of ['localhost', ':9901', '[nope]:9901', 'a:b:9901', '127.0.0.1:0', '127.0.0.1:70000', '']) {
    it(`refuses ${JSON.stringify(given)} as a usage error`, async () => {
      await assert.rejects(adminTarget({ admin: given }, io, 'status'), (error: unknown) => error instanceof UsageError && /is not HOST:PORT/.test(error.message));
    });
  }

  for (const given of ['https://127.0.0.1:9901/', 'http://127.0.0.1:9901/status', 'http://127.0.0.1/', 'http://user@127.0.0.1:9901/']) {
    it(`refuses the URL ${given} as a usage error that says which URL it takes`, async () => {
      await assert.rejects(adminTarget({ admin: given }, io, 'status'), (error: unknown) => error instanceof UsageError && /the status page address portico start printed, such as http:\/\/127\.0\.0\.1:9901\//.test(error.message));
    });
  }

  it('still reads a path with a / as the admin socket', async () => {
    assert.deepEqual(await adminTarget({ admin: './run/admin.sock' }, io, 'status'), { socketPath: '/run/admin.sock', url: 'unix:/run/admin.sock' });
  });

  it('refuses -a together with -c', async () => {
    await assert.rejects(adminTarget({ admin: '9901', config: 'portico.json' }, io, 'status'), /either -c FILE or -a HOST:PORT, not both/);
  });
});

// A careless operator's token and app names (the session's "opsattack" helper).
describe('adminTarget and app commands on malformed input', () => {
  // Failed before: Node refused the Authorization header and the command ended in an internal error (exit 70).
  for (const token of ['a\nb', 'tok en', 'tök']) {
    it(`refuses PORTICO_ADMIN_TOKEN=${JSON.stringify(token)} as a usage error that says which characters a token has`, async () => {
      await assert.rejects(
        adminTarget({ admin: '9901' }, { ...io, env: { PORTICO_ADMIN_TOKEN: token } }, 'status'),
        (error: unknown) => error instanceof UsageError && /PORTICO_ADMIN_TOKEN holds a character no admin token has \(letters, digits and -\._~ only\)/.test(error.message),
      );
    });
  }

  it('takes a token with the line break its file ended with', async () => {
    const target = await adminTarget({ admin: '9901' }, { ...io, env: { PORTICO_ADMIN_TOKEN: 'abc-._~\r\n' } }, 'status');
    assert.equal('token' in target ? target.token : undefined, 'abc-._~');
  });

  // Failed before: the empty name made the path /apps//restart, answered 404 as an unexpected answer (exit 69).
  it('refuses an empty app name as a usage error, before asking anything', async () => {
    await assert.rejects(runAppCommand('restart', { admin: '9901' }, [''], io), (error: unknown) => error instanceof UsageError && /name the app/.test(error.message));
  });
});

// Found following docs/config.md: its example passes "DB_URL": "${DB_URL}" to the app, set where
// Portico runs (systemd's EnvironmentFile); in the operator's shell it is not, and status, logs,
// reload and restart -c FILE refused the file for it, though they need only where the socket is.
describe('adminTarget -c FILE reads the admin section alone', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-admin-target-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (config: object) => {
    const file = join(dir, 'portico.json');
    await writeFile(file, JSON.stringify(config));
    return file;
  };
  const app = { name: 'shop', processPath: 'node', arguments: ['server.js'], environmentVariables: { DB_URL: '${DB_URL}' } };

  it('finds the socket of a file whose apps use a variable this shell does not have', async () => {
    const file = await write({ listen: [{ port: '${PUBLIC_PORT}' }], admin: { port: 9901 }, apps: [app] });
    const withEnv = await adminTarget({ config: file }, { ...io, env: { DB_URL: 'postgres://db', PUBLIC_PORT: '8080' } }, 'status');
    assert.deepEqual(await adminTarget({ config: file }, io, 'status'), withEnv);
  });

  // Failed before: each unset variable was given the stand-in "0", which the check then refused
  // where 0 is no valid value (a worker count, a host, a path under a folder that must exist), and
  // the command said the variable was not set, as if this shell had to have it.
  it('finds the socket though a variable this shell does not have sits where 0 is not a valid value', async () => {
    const sub = join(dir, 'srv');
    await mkdir(sub);
    const file = await write({
      listen: [{ port: 8080, host: '${BIND_HOST}' }],
      admin: { port: 9901 },
      limits: { maxConnections: '${MAX_CONNECTIONS}' },
      apps: [{ ...app, processesPerApplication: '${WORKERS}', workingDirectory: '${APP_HOME}' }],
    });
    const withEnv = await adminTarget({ config: file }, { ...io, env: { DB_URL: 'postgres://db', BIND_HOST: '127.0.0.1', MAX_CONNECTIONS: '100', WORKERS: '4', APP_HOME: sub } }, 'status');
    assert.deepEqual(await adminTarget({ config: file }, io, 'status'), withEnv);
  });

  it('still refuses a file whose admin section uses a variable that is not set, naming it', async () => {
    const file = await write({ listen: [{ port: 8080 }], admin: { port: 9901, socket: '${RUN_DIR}/admin.sock' }, apps: [app] });
    await assert.rejects(adminTarget({ config: file }, io, 'status'), (error: unknown) => error instanceof CommandFailure && /admin\.socket.*RUN_DIR, which is not set/.test(error.message));
  });

  // Failed before: any problem of the file outside admin (an app's misspelt option, a listener's
  // bad port) refused it, so an operator could not ask the running Portico what was wrong, nor
  // reload it once the file was fixed... without first fixing the file.
  it('finds the socket of a file whose other sections have problems of their own', async () => {
    const good = await adminTarget({ config: await write({ listen: [{ port: 8080 }], admin: { port: 9901 }, apps: [app] }) }, io, 'status');
    const file = await write({ listen: [{ port: 'eighty' }], admin: { port: 9901 }, limits: { maxConections: 3 }, apps: [{ ...app, startupTimelimit: 3, processesPerApplication: 0 }] });
    assert.deepEqual(await adminTarget({ config: file }, io, 'status'), good);
  });

  it('finds the socket of a file with no listen or apps at all', async () => {
    const good = await adminTarget({ config: await write({ listen: [{ port: 8080 }], admin: { port: 9901 }, apps: [app] }) }, io, 'status');
    assert.deepEqual(await adminTarget({ config: await write({ admin: { port: 9901 } }) }, io, 'status'), good);
  });

  for (const [problem, admin, said] of [
    ['a misspelt admin key', { port: 9901, sokcet: '/run/portico.sock' }, /admin\.sokcet.*did you mean "socket"/],
    ['a bad admin value', { port: 'x', socket: '/run/portico.sock' }, /admin\.port/],
    ['an admin that is no object', 9901, /admin/],
  ] as const) {
    it(`still refuses a file with ${problem}, naming the admin key and no other`, async () => {
      const file = await write({ listen: [{ port: 'eighty' }], admin, apps: [{ ...app, startupTimelimit: 3 }] });
      await assert.rejects(adminTarget({ config: file }, io, 'status'), (error: unknown) => {
        assert.ok(error instanceof CommandFailure, String(error));
        assert.match(error.message, said);
        assert.doesNotMatch(error.message, /startupTimelimit|listen|stand-in/);
        return true;
      });
    });
  }

  it('still refuses a file that is not a config at all, saying where', async () => {
    const file = join(dir, 'portico.json');
    await writeFile(file, '{ "admin": { "port": 9901 }, ');
    await assert.rejects(adminTarget({ config: file }, io, 'status'), (error: unknown) => error instanceof CommandFailure && /portico\.json/.test(error.message));
  });
});
