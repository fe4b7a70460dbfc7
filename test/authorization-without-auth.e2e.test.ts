import assert from 'node:assert/strict';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// An app without `auth` authenticates its own clients (a bearer-token API, an app's own Basic
// login): Portico checks no credential, so the client's Authorization header is the app's to
// read, as nginx, IIS and the ASP.NET Core Module pass it. Portico's own headers in any spelling
// are still never taken from a client.
describe('an app without auth', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  it('gets the client\'s Authorization header as sent, and still never a forged identity', async () => {
    const { port } = await startPortico({ apps: [app('api')] });
    const forged = {
      'X_Portico_User': 'mallory',
      'x-portico-user': 'mallory',
      'X.Portico.Claims': '{"admin":true}',
      'ms-aspnetcore-winauthtoken': '1',
      forwarded: 'for=6.6.6.6',
      'x-forwarded-server': 'evil',
    };
    const reply = await request(port, '/', { headers: { authorization: 'Bearer abc.def.ghi', ...forged, 'x-kept': 'yes' } });
    assert.equal(reply.status, 200);
    const seen = json(reply);
    assert.equal(seen.headers.authorization, 'Bearer abc.def.ghi');
    assert.equal(seen.headers['x-kept'], 'yes');
    const folded = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase().replace(/[_.]/g, '-'));
    for (const name of Object.keys(forged)) assert.ok(!folded.includes(name.toLowerCase().replace(/[_.]/g, '-')), `${name} reached the backend`);
  });

  it('gets a Basic credential it checks itself, whatever forwardAuthToken says (it is about Portico\'s own auth)', async () => {
    const { port } = await startPortico({ apps: [app('own', { match: { path: '/own' } }), app('flag', { match: { path: '/flag' }, forwardAuthToken: false })] });
    for (const path of ['/own', '/flag']) {
      const reply = await request(port, path, { headers: { authorization: 'Basic YTpi' } });
      assert.equal(json(reply).headers.authorization, 'Basic YTpi', path);
    }
  });
});
