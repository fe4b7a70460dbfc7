import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

const aspNetCoreLike = fileURLToPath(new URL('./fixtures/aspnetcore-like-backend.mjs', import.meta.url));

// compat: "aspnetcore" against what ASP.NET Core's IIS integration checks (docs/aspnetcore.md):
// Portico sent only x-portico-token, so an unchanged ASP.NET Core app answered 400 to every
// forwarded request.
describe('compat "aspnetcore" against an ASP.NET Core-like backend', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  it('sends MS-ASPNETCORE-TOKEN, so the app serves forwarded requests under its path base', async () => {
    const { port } = await startPortico({ apps: [app('dotnet', { arguments: [aspNetCoreLike], compat: 'aspnetcore', match: { path: '/api' } })] });
    const reply = await request(port, '/api/values', { headers: { 'MS-ASPNETCORE-TOKEN': 'spoofed' } });
    assert.equal(reply.status, 200, reply.body);
    const body = JSON.parse(reply.body) as { pathBase: string; path: string; forwardedFor: string; forwardedProto: string };
    assert.deepEqual(body, { ...body, pathBase: '/api', path: '/api/values', forwardedFor: '127.0.0.1', forwardedProto: 'http' });
  });

  it('stops the app with the shutdown request', async () => {
    const { portico, port, dir } = await startPortico({ apps: [app('dotnet', { arguments: [aspNetCoreLike], compat: 'aspnetcore', stdoutLogEnabled: true })] });
    assert.equal((await request(port, '/')).status, 200);
    assert.equal((await portico.stopApp('dotnet')).ok, true);
    const logs = join(dir, 'logs');
    const output = (await Promise.all((await readdir(logs)).map((file) => readFile(join(logs, file), 'utf8')))).join('');
    assert.match(output, /shutdown requested/, 'the app was not asked to stop by request');
  });
});
