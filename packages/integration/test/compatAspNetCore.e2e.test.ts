import assert from 'node:assert/strict';
import { request, type Echo } from './helpers/request.ts';
import { onFreePort } from '@portico/test-support';
import { startBackend, stopAllBackends } from './helpers/startBackend.ts';

// What the ASP.NET Core Module gives a backend: a backend started with only these names (as IIS
// does) or with both these and Portico's (as Portico's compat mode does) works the same.
const token = '6d1c5a9e-0f2b-4c3d-8e7f-a1b2c3d4e5f6';

async function startCompat(extra: Record<string, string> = {}) {
  const { port, started: backend } = await onFreePort(async (free) => {
    const started = startBackend({
      env: { ASPNETCORE_PORT: String(free), ASPNETCORE_TOKEN: token, ASPNETCORE_APPL_PATH: '/app/', FIXTURE_COMPAT: 'aspnetcore', ...extra },
    });
    assert.equal((await started.event('listening'))['from'], 'ASPNETCORE_PORT');
    return started;
  });
  return { backend, port };
}

const shutdownHeaders = (value: string, event = 'shutdown') =>
  [
    ['ms-aspnetcore-token', value],
    ['MS-ASPNETCORE-EVENT', event],
    ['content-length', '0'],
  ] as const;

describe('compat "aspnetcore"', () => {
  afterEach(stopAllBackends);

  it('listens on ASPNETCORE_PORT and accepts MS-ASPNETCORE-TOKEN, removing it', async () => {
    const { port } = await startCompat();
    const reply = await request({ port }, { headers: [['MS-ASPNETCORE-TOKEN', token], ['x-forwarded-for', '[2001:db8::1]:51234']] });
    assert.equal(reply.status, 200);
    const seen = JSON.parse(reply.body) as Echo;
    assert.equal(seen.headers['ms-aspnetcore-token'], undefined);
    assert.ok(!seen.rawHeaders.includes(token));
    assert.equal(seen.portico?.['clientAddress'], '2001:db8::1', 'the module appends the port; it is dropped');
  });

  it('answers 400 to a wrong MS-ASPNETCORE-TOKEN', async () => {
    const { port } = await startCompat();
    assert.equal((await request({ port }, { headers: [['ms-aspnetcore-token', 'guess']] })).status, 400);
  });

  it('answers 202 to POST {APPL_PATH}/iisintegration with MS-ASPNETCORE-EVENT: shutdown and exits 0', async () => {
    const { backend, port } = await startCompat();
    const reply = await request({ port }, { method: 'POST', path: '/app/iisintegration', headers: shutdownHeaders(token) });
    assert.equal(reply.status, 202);
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
    assert.match(backend.stderr, /shutdown_started: iisintegration/);
  });

  it('reads MS-ASPNETCORE-EVENT without case and without the spaces and tabs around it', async () => {
    const { backend, port } = await startCompat();
    const reply = await request({ port }, { method: 'POST', path: '/app/iisintegration', headers: shutdownHeaders(token, ' \tShutDown\t ') });
    assert.equal(reply.status, 202);
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
  });

  it('ignores the shutdown request without a valid token', async () => {
    const { backend, port } = await startCompat();
    const reply = await request({ port }, { method: 'POST', path: '/app/iisintegration', headers: shutdownHeaders('guess') });
    assert.equal(reply.status, 400);
    assert.equal((await request({ port }, { headers: [['ms-aspnetcore-token', token]] })).status, 200);
    assert.equal(backend.child.exitCode, null);
    assert.ok(!backend.stderr.includes('shutdown_started'));
  });

  it('raises SIGTERM on the shutdown request when no graceful shutdown is installed', async () => {
    const { backend, port } = await startCompat({ FIXTURE_GRACEFUL: '0' });
    const reply = await request({ port }, { method: 'POST', path: '/app/iisintegration', headers: shutdownHeaders(token) });
    assert.equal(reply.status, 202);
    assert.deepEqual(await backend.exited, { code: null, signal: 'SIGTERM' });
  });

  it('prefers the Portico names when both are set', async () => {
    const { port } = await onFreePort(async (free) => {
      const started = startBackend({
        env: { PORTICO_PORT: String(free), PORTICO_TOKEN: token, ASPNETCORE_PORT: '1', ASPNETCORE_TOKEN: token, FIXTURE_COMPAT: 'aspnetcore' },
      });
      assert.equal((await started.event('listening'))['from'], 'PORTICO_PORT');
      return started;
    });
    const reply = await request({ port }, { headers: [['x-portico-token', token], ['ms-aspnetcore-token', token]] });
    const seen = JSON.parse(reply.body) as Echo;
    assert.equal(seen.headers['x-portico-token'], undefined);
    assert.equal(seen.headers['ms-aspnetcore-token'], undefined);
  });
});
