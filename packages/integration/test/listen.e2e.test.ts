import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import https from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListenFailedError, listen, resolveListenTarget } from '../src/index.ts';
import { request, type Echo } from './helpers/request.ts';
import { freePort, onFreePort } from '@portico/test-support';
import { ipcReady, startBackend, stopAllBackends } from './helpers/startBackend.ts';

describe('listen', () => {
  afterEach(stopAllBackends);

  it('listens on PORTICO_PORT on 127.0.0.1', async () => {
    const { port, started: listening } = await onFreePort((free) =>
      startBackend({ env: { PORTICO_PORT: String(free), PORT: String(free), PORTICO_TOKEN: 't' } }).event('listening'),
    );
    assert.equal(listening['mode'], 'tcp');
    assert.equal(listening['host'], '127.0.0.1');
    assert.equal(listening['port'], port);
    assert.equal(listening['from'], 'PORTICO_PORT');
    const reply = await request({ port }, { headers: [['x-portico-token', 't']] });
    assert.equal(reply.status, 200);
  });

  it('listens on PORTICO_SOCKET in a directory only its user can enter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-integration-'));
    try {
      await chmod(dir, 0o700);
      const socketPath = join(dir, 'backend.sock');
      const backend = startBackend({ env: { PORTICO_SOCKET: socketPath, PORTICO_TOKEN: 't' } });
      const listening = await backend.event('listening');
      assert.equal(listening['mode'], 'unix');
      assert.ok((await stat(socketPath)).isSocket());
      const reply = await request({ socketPath }, { headers: [['x-portico-token', 't']] });
      assert.equal(reply.status, 200);
    } finally {
      await stopAllBackends();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('replaces a stale socket file left by a killed backend', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-integration-'));
    try {
      await chmod(dir, 0o700);
      const socketPath = join(dir, 'backend.sock');
      const first = startBackend({ env: { PORTICO_SOCKET: socketPath } });
      await first.event('listening');
      first.child.kill('SIGKILL');
      await first.exited;
      assert.ok((await stat(socketPath)).isSocket(), 'the killed backend leaves its socket file');
      const second = startBackend({ env: { PORTICO_SOCKET: socketPath } });
      await second.event('listening');
      assert.equal((await request({ socketPath })).status, 200);
    } finally {
      await stopAllBackends();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes over the socket passed as fd 3 when LISTEN_PID is its own pid', async () => {
    const socket = createServer();
    socket.listen(0, '127.0.0.1');
    await once(socket, 'listening');
    const { port } = socket.address() as { port: number };
    // PORTICO_PORT points elsewhere: only fd 3 can answer on `port`.
    const backend = startBackend({ listenFd: socket, env: { PORTICO_PORT: String(await freePort()), PORTICO_TOKEN: 't' } });
    socket.close();
    const listening = await backend.event('listening');
    assert.equal(listening['mode'], 'fd');
    assert.equal(listening['fd'], 3);
    assert.match(String(listening['description']), new RegExp(`127\\.0\\.0\\.1:${port}`));
    const echo = JSON.parse((await request({ port }, { headers: [['x-portico-token', 't']] })).body) as Echo;
    assert.equal(echo.hasPorticoProperty, true);
  });

  it('falls back to options.port on 127.0.0.1 without Portico', async () => {
    const { port, started: listening } = await onFreePort((free) =>
      startBackend({ env: { FIXTURE_FALLBACK_PORT: String(free) } }).event('listening'),
    );
    assert.equal(listening['from'], 'fallback');
    assert.match(String(listening['description']), /development fallback/);
    const echo = JSON.parse((await request({ port })).body) as Echo;
    assert.equal(echo.hasPorticoProperty, false);
  });

  it('(test helper) starts again on another port when the one chosen was taken in between', async () => {
    const taken: Server[] = [];
    const { port, started } = await onFreePort(async (free) => {
      if (taken.length === 0) {
        // Another test binding the port between freePort and the backend's listen.
        const other = createServer().listen(free, '127.0.0.1');
        await once(other, 'listening');
        taken.push(other);
      }
      return startBackend({ env: { PORTICO_PORT: String(free), PORTICO_TOKEN: 't' } }).event('listening');
    });
    try {
      assert.notEqual(port, (taken[0]?.address() as { port: number }).port);
      assert.equal(started['port'], port);
    } finally {
      for (const server of taken) server.close();
    }
  });

  it('falls back to port 3000 when options.port is absent', () => {
    assert.deepEqual(resolveListenTarget({ env: {} }), { mode: 'tcp', host: '127.0.0.1', port: 3000, from: 'fallback' });
  });

  it('listens with an https server', async () => {
    const server = https.createServer();
    try {
      const listening = await listen(server, { env: { PORTICO_PORT: '0' }, signalReady: false });
      assert.equal(listening.mode, 'tcp');
      assert.ok(listening.mode === 'tcp' && listening.port > 0);
      const probe = connect({ host: '127.0.0.1', port: listening.mode === 'tcp' ? listening.port : 0 });
      await once(probe, 'connect');
      probe.destroy();
    } finally {
      server.close();
    }
  });

  it('rejects with ListenFailedError when the port is taken', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    const server = createServer();
    try {
      await assert.rejects(listen(server, { env: { PORTICO_PORT: String(port) }, signalReady: false }), (error: unknown) => {
        assert.ok(error instanceof ListenFailedError);
        assert.equal(error.code, 'PORTICO_ERR_INTEGRATION_LISTEN_FAILED');
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
        return true;
      });
    } finally {
      taken.close();
    }
  });

  describe('readiness', () => {
    it('sends "ready" over the IPC channel once it accepts connections', async () => {
      const backend = startBackend({ env: { PORTICO_PORT: '0' } });
      assert.equal(await ipcReady(backend), 'ready');
      const { port } = await backend.event('listening');
      assert.equal((await request({ port: Number(port) })).status, 200);
    });

    it('writes READY=1 on PORTICO_NOTIFY_FD once it accepts connections', async () => {
      const backend = startBackend({ ipc: false, notifyPipe: true, env: { PORTICO_PORT: '0', PORTICO_NOTIFY_FD: '3' } });
      assert.equal(await backend.notifyLine(), 'READY=1\n');
      const { port, readiness } = await backend.event('listening');
      assert.deepEqual(readiness, { ipc: false, notifyFd: 3 });
      assert.equal((await request({ port: Number(port) })).status, 200);
    });
  });
});
