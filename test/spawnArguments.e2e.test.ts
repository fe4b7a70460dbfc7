import assert from 'node:assert/strict';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// A backend that takes where to listen from its arguments only, as gunicorn -b, php -S and
// uvicorn --port/--uds do; it answers with its argv and the PORT it was given.
const argvBackend = `
const http = require('node:http');
const [where] = process.argv.slice(1);
const server = http.createServer((req, res) => res.end(JSON.stringify({ argv: process.argv.slice(1), port: process.env.PORT ?? null, socket: process.env.PORTICO_SOCKET ?? null })));
if (/^\\d+$/.test(where)) server.listen(Number(where), '127.0.0.1'); else server.listen(where);
`;

// Issue 20: arguments could not name the port Portico assigns; config loading refused ${PORT}.
describe('arguments that name the port or socket Portico assigns', () => {
  afterEach(stopAllPorticos);

  it('fills ${PORT} in at each start with the port the backend gets', async () => {
    const started = await startPortico({
      apps: [app('argv', { arguments: ['-e', argvBackend, '${PORT}', '--bind=127.0.0.1:${PORTICO_PORT}', 'path=${PORTICO_APPL_PATH}'], match: { path: '/argv' } })],
    });
    const reply = await request(started.port, '/argv/x');
    assert.equal(reply.status, 200, reply.body);
    const body = JSON.parse(reply.body) as { argv: string[]; port: string };
    assert.match(body.port, /^\d+$/);
    assert.deepEqual(body.argv, [body.port, `--bind=127.0.0.1:${body.port}`, 'path=/argv']);
  });

  it('fills ${PORTICO_SOCKET} in with the socket path in unix mode', async () => {
    const started = await startPortico({ apps: [app('uds', { listenMode: 'unix', arguments: ['-e', argvBackend, '${PORTICO_SOCKET}'] })] });
    const reply = await request(started.port, '/');
    assert.equal(reply.status, 200, reply.body);
    const body = JSON.parse(reply.body) as { argv: string[]; socket: string };
    assert.ok(body.socket, 'no PORTICO_SOCKET');
    assert.deepEqual(body.argv, [body.socket]);
  });

  it('leaves other text alone, a ${…} of no spawn variable included', async () => {
    const started = await startPortico({ apps: [app('other', { arguments: ['-e', argvBackend, '${PORT}', '$${NOT_EXPANDED}', '100%'] })] });
    const body = JSON.parse((await request(started.port, '/')).body) as { argv: string[] };
    assert.deepEqual(body.argv.slice(1), ['${NOT_EXPANDED}', '100%']);
  });
});
