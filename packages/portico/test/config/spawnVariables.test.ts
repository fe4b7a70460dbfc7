import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@portico/portico';
import { main } from '../../src/cli/main.ts';
import { at, configFolder, minimal, problemsOf } from './fixtures.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

// Issue 20: `portico check` refused `-b 127.0.0.1:${PORT}` ("uses the environment variable PORT,
// which is not set"), though Portico itself sets PORT for the backend when it starts it.
describe('arguments that name the port and socket Portico assigns at spawn time', () => {
  let folder: Awaited<ReturnType<typeof configFolder>>;
  before(async () => {
    folder = await configFolder();
  });
  after(() => folder.remove());

  it('keeps ${PORT}, ${PORTICO_PORT} and %PORT% in arguments for the spawn, with PORT unset', async () => {
    const file = await folder.write('tcp.json', minimal({ processPath: 'gunicorn', arguments: ['-b', '127.0.0.1:${PORT}', '--x=%PORTICO_PORT%', '${PORT:-3000}', '${HOME_DIR}'] }));
    const config = await loadConfig(file, { env: { HOME_DIR: '/srv' } });
    assert.deepEqual(config.apps[0]!.arguments, ['-b', '127.0.0.1:${PORT}', '--x=${PORTICO_PORT}', '${PORT:-3000}', '/srv']);
  });

  it('means the backend\'s port even when Portico\'s own environment has PORT', async () => {
    const file = await folder.write('paas.json', minimal({ arguments: '--port ${PORT}' }));
    assert.deepEqual((await loadConfig(file, { env: { PORT: '80' } })).apps[0]!.arguments, ['--port', '${PORT}']);
  });

  it('keeps ${PORTICO_SOCKET} in unix mode and ${PORTICO_APPL_PATH} in every mode', async () => {
    const file = await folder.write('unix.json', minimal({ listenMode: 'unix', arguments: ['--uds', '${PORTICO_SOCKET}', '--root-path', '${PORTICO_APPL_PATH}'] }));
    assert.deepEqual((await loadConfig(file, { env: {} })).apps[0]!.arguments, ['--uds', '${PORTICO_SOCKET}', '--root-path', '${PORTICO_APPL_PATH}']);
  });

  it('refuses a variable that the app\'s listen mode does not set, naming the mode', async () => {
    const socket = at(await problemsOf(loadConfig(await folder.write('a.json', minimal({ arguments: ['${PORTICO_SOCKET}'] })), { env: {} })), 'apps[0].arguments[0]');
    assert.match(socket?.message ?? '', /PORTICO_SOCKET is set only with listenMode "unix"; this app's listenMode is "tcp"/);
    const port = at(await problemsOf(loadConfig(await folder.write('b.json', minimal({ listenMode: 'socket-activation', arguments: ['-p', '${PORT}'] })), { env: {} })), 'apps[0].arguments[1]');
    assert.match(port?.message ?? '', /PORT is set only with listenMode "tcp"; this app's listenMode is "socket-activation"/);
  });

  it('refuses the pairing token in arguments, which every user can read', async () => {
    const problem = at(await problemsOf(loadConfig(await folder.write('t.json', minimal({ arguments: ['--token=${PORTICO_TOKEN}'] })), { env: {} })), 'apps[0].arguments[0]');
    assert.match(problem?.message ?? '', /PORTICO_TOKEN must not be put in arguments/);
    assert.match(problem?.allowed ?? '', /read PORTICO_TOKEN from the environment/);
  });

  it('says outside arguments that Portico sets the variable only for the backend', async () => {
    const problem = at(await problemsOf(loadConfig(await folder.write('e.json', minimal({ environmentVariables: { BIND: '127.0.0.1:${PORT}' } })), { env: {} })), 'apps[0].environmentVariables.BIND');
    assert.match(problem?.message ?? '', /PORT, which is not set/);
    assert.match(problem?.allowed ?? '', /Portico sets PORT for the backend when it starts it: name it in "arguments"/);
  });

  it('check says which variables Portico itself provides', async () => {
    const file = await folder.write('check.json', minimal({ processPath: 'php', arguments: ['-S', '127.0.0.1:${PORT}'] }));
    let stderr = '';
    const code = await main(['check', '-c', file], { stdout: () => {}, stderr: (text) => (stderr += text), env: {}, cwd: root });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /apps\[0\]\.arguments: \$\{PORT\} is filled in by Portico when it starts each process; it provides PORT, PORTICO_PORT \(listenMode "tcp"\), PORTICO_SOCKET \(listenMode "unix"\), PORTICO_APPL_PATH/);
  });
});
