import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './helpers/request.ts';
import { onFreePort } from '@portico/test-support';
import { startBackend, stopAllBackends, type Backend } from './helpers/startBackend.ts';

// The backend example in docs/integration.md: another language, on Portico's Python integration.
const server = fileURLToPath(new URL('../../../examples/python-backend/server.py', import.meta.url));
const token = 'py-7c2e4f0a-93b1-4d55-a8e6-0b1c2d3e4f50';
const python = (env: Record<string, string>, notifyPipe = false) =>
  startBackend({ command: ['python3', server], ipc: false, notifyPipe, env });

describe('examples/python-backend', () => {
  describe('on PORTICO_PORT', () => {
    let backend: Backend;
    let port: number;
    let ready: Promise<string>;

    before(async () => {
      ({ port, started: backend } = await onFreePort(async (free) => {
        const started = python({ PORTICO_PORT: String(free), PORT: String(free), PORTICO_TOKEN: token, PORTICO_NOTIFY_FD: '3' }, true);
        ready = started.notifyLine();
        await ready;
        return started;
      }));
    });
    after(stopAllBackends);

    it('writes READY=1 on PORTICO_NOTIFY_FD once it listens', async () => {
      assert.equal(await ready, 'READY=1\n');
    });

    it('answers 400 without the token', async () => {
      assert.equal((await request({ port }, { path: '/', headers: [['x-portico-user', 'mallory']] })).status, 400);
    });

    it('answers 400 to a wrong token and logs neither token', async () => {
      const reply = await request({ port }, { path: '/', headers: [['x-portico-token', 'guess-1234']] });
      assert.equal(reply.status, 400);
      await backend.stderrIncludes('token_rejected');
      assert.ok(!backend.stderr.includes(token) && !backend.stderr.includes('guess-1234'));
    });

    it('serves a request with the token and reads the forwarded identity', async () => {
      const reply = await request({ port }, {
        path: '/hello',
        headers: [['x-portico-token', token], ['x-portico-user', 'alice'], ['x-forwarded-for', '6.6.6.6, 198.51.100.4']],
      });
      assert.equal(reply.status, 200);
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      assert.equal(body['user'], 'alice');
      assert.equal(body['clientAddress'], '198.51.100.4');
      assert.equal(body['sawToken'], false);
    });

    it('exits with code 0 on SIGTERM', async () => {
      backend.child.kill('SIGTERM');
      assert.deepEqual(await backend.exited, { code: 0, signal: null });
    });
  });

  it('takes over the socket passed as fd 3', async () => {
    const socket = createServer();
    socket.listen(0, '127.0.0.1');
    await once(socket, 'listening');
    const { port } = socket.address() as { port: number };
    const backend = startBackend({ command: ['python3', server], ipc: false, listenFd: socket, env: { PORTICO_TOKEN: token } });
    socket.close();
    await backend.stderrIncludes('portico.integration.listening: fd ');
    assert.equal((await request({ port }, { path: '/', headers: [['x-portico-token', token]] })).status, 200);
  });

  it('listens on PORTICO_SOCKET', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-python-'));
    try {
      await chmod(dir, 0o700);
      const socketPath = join(dir, 'backend.sock');
      const backend = python({ PORTICO_SOCKET: socketPath, PORTICO_TOKEN: token, PORTICO_NOTIFY_FD: '3' }, true);
      await backend.notifyLine();
      assert.equal((await request({ socketPath }, { path: '/' })).status, 400);
      assert.equal((await request({ socketPath }, { path: '/', headers: [['x-portico-token', token]] })).status, 200);
    } finally {
      await stopAllBackends();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
