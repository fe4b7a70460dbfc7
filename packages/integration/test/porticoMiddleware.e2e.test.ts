import assert from 'node:assert/strict';
import { request, type Echo } from './helpers/request.ts';
import { startBackend, stopAllBackends, type Backend } from './helpers/startBackend.ts';

const token = 'c0ffee00-1111-4222-8333-944445555666';

describe('porticoMiddleware', () => {
  let backend: Backend;
  let port: number;

  before(async () => {
    backend = startBackend({ env: { PORTICO_PORT: '0', PORTICO_TOKEN: token, FIXTURE_STYLE: 'middleware' } });
    port = Number((await backend.event('listening'))['port']);
  });
  after(stopAllBackends);

  it('answers 400 without calling next when the token is missing', async () => {
    const reply = await request({ port }, { path: '/no-next' });
    assert.equal(reply.status, 400);
    await backend.stderrIncludes('400 for GET /no-next');
    assert.ok(!backend.stdout.includes('next_called'));
  });

  it('calls next with the token removed and req.portico set when the token is valid', async () => {
    const reply = await request({ port }, { headers: [['x-portico-token', token], ['x-portico-user', 'bob']] });
    assert.equal(reply.status, 200);
    const seen = JSON.parse(reply.body) as Echo;
    assert.equal(seen.headers['x-portico-token'], undefined);
    assert.equal(seen.portico?.['user'], 'bob');
    await backend.event('next_called');
  });

  it('does not accept MS-ASPNETCORE-TOKEN without compat "aspnetcore"', async () => {
    const reply = await request({ port }, { headers: [['ms-aspnetcore-token', token]] });
    assert.equal(reply.status, 400);
  });
});
