import assert from 'node:assert/strict';
import { InvalidEnvironmentError, InvalidOptionError, readPorticoEnvironment } from '../src/index.ts';

const read = (env: Record<string, string>, compat?: 'aspnetcore') =>
  readPorticoEnvironment({ env, pid: 4242, ...(compat && { compat }) });

describe('readPorticoEnvironment', () => {
  it('reads nothing from an empty environment', () => {
    assert.deepEqual(read({}), { token: undefined, tokenVariable: undefined, applPath: '/', listen: undefined, notifyFd: undefined, compat: undefined });
  });

  it('prefers fd 3 over a socket over a port', () => {
    const env = { LISTEN_FDS: '1', LISTEN_PID: '4242', PORTICO_SOCKET: '/run/p/s.sock', PORTICO_PORT: '5000' };
    assert.deepEqual(read(env).listen, { mode: 'fd', fd: 3, from: 'LISTEN_FDS' });
    assert.deepEqual(read({ ...env, LISTEN_FDS: '0' }).listen, { mode: 'unix', path: '/run/p/s.sock', from: 'PORTICO_SOCKET' });
  });

  it('ignores LISTEN_FDS meant for another process', () => {
    assert.deepEqual(read({ LISTEN_FDS: '1', LISTEN_PID: '1', PORTICO_PORT: '5000' }).listen, { mode: 'tcp', host: '127.0.0.1', port: 5000, from: 'PORTICO_PORT' });
    assert.equal(read({ LISTEN_FDS: '1' }).listen, undefined);
  });

  it('prefers PORTICO_PORT over PORT, and reads ASPNETCORE_PORT only in compat mode', () => {
    assert.equal(read({ PORT: '5001', PORTICO_PORT: '5000' }).listen?.from, 'PORTICO_PORT');
    assert.equal(read({ PORT: '5001' }).listen?.from, 'PORT');
    assert.equal(read({ ASPNETCORE_PORT: '5002' }).listen, undefined);
    assert.equal(read({ ASPNETCORE_PORT: '5002' }, 'aspnetcore').listen?.from, 'ASPNETCORE_PORT');
  });

  it('reads ASPNETCORE_TOKEN and ASPNETCORE_APPL_PATH only in compat mode', () => {
    assert.equal(read({ ASPNETCORE_TOKEN: 'a' }).token, undefined);
    const compat = read({ ASPNETCORE_TOKEN: 'a', ASPNETCORE_APPL_PATH: '/shop/' }, 'aspnetcore');
    assert.equal(compat.token, 'a');
    assert.equal(compat.tokenVariable, 'ASPNETCORE_TOKEN');
    assert.equal(compat.applPath, '/shop');
    assert.equal(read({ PORTICO_TOKEN: 'p', ASPNETCORE_TOKEN: 'a' }, 'aspnetcore').token, 'p');
  });

  it('normalises PORTICO_APPL_PATH without a trailing slash', () => {
    assert.equal(read({ PORTICO_APPL_PATH: '/' }).applPath, '/');
    assert.equal(read({ PORTICO_APPL_PATH: '/api//' }).applPath, '/api');
  });

  for (const [variable, value] of [
    ['PORTICO_PORT', '80a'],
    ['PORTICO_PORT', '70000'],
    ['PORT', '-1'],
    ['PORTICO_NOTIFY_FD', 'three'],
    ['PORTICO_APPL_PATH', 'app'],
    ['PORTICO_TOKEN', ''],
  ] as const) {
    it(`throws InvalidEnvironmentError naming ${variable}=${JSON.stringify(value)}`, () => {
      assert.throws(
        () => read({ [variable]: value }),
        (error: unknown) => error instanceof InvalidEnvironmentError && error.message.startsWith(`environment variable ${variable} `),
      );
    });
  }

  it('throws InvalidOptionError for an unknown compat mode', () => {
    assert.throws(() => readPorticoEnvironment({ env: {}, compat: 'iis' as 'aspnetcore' }), InvalidOptionError);
  });
});
