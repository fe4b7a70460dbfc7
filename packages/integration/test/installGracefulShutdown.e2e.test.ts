import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { installGracefulShutdown } from '../src/index.ts';
import { request } from './helpers/request.ts';
import { startBackend, stopAllBackends, type Backend } from './helpers/startBackend.ts';

async function start(env: Record<string, string> = {}): Promise<{ backend: Backend; port: number }> {
  const backend = startBackend({ env: { PORTICO_PORT: '0', ...env } });
  return { backend, port: Number((await backend.event('listening'))['port']) };
}

// A connect that lands in the backlog just before the listening socket closes still completes
// its handshake; the kernel resets it then. Either way no new request is served.
function servesNewRequests(port: number): Promise<boolean> {
  return request({ port }).then(
    () => true,
    () => false,
  );
}

describe('installGracefulShutdown', () => {
  afterEach(stopAllBackends);

  it('lets an in-flight request finish on SIGTERM, then exits with code 0', async () => {
    const { backend, port } = await start({ FIXTURE_KEEP_ALIVE_TIMEOUT: '600000' });
    const agent = new http.Agent({ keepAlive: true });
    const order: string[] = [];
    const slow = request({ port }, { path: '/slow', agent }).then((reply) => {
      order.push('response');
      return reply;
    });
    void backend.exited.then(() => order.push('exit'));
    await backend.event('slow_started');
    backend.child.kill('SIGTERM');
    await backend.stderrIncludes('portico.integration.shutdown_started: SIGTERM; 1 request(s) in flight');
    assert.equal(await servesNewRequests(port), false, 'the server still serves new connections');
    assert.equal(backend.child.exitCode, null);
    backend.child.stdin?.write('release\n');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'slow done');
    // Its keep-alive connection would otherwise hold the server open for 600 s.
    assert.equal(reply.headers.connection, 'close');
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
    assert.deepEqual(order, ['response', 'exit']);
    agent.destroy();
  });

  it('closes idle keep-alive connections instead of waiting for them', async () => {
    const { backend, port } = await start({ FIXTURE_KEEP_ALIVE_TIMEOUT: '600000', FIXTURE_GRACE_TIME: '600000' });
    const agent = new http.Agent({ keepAlive: true });
    assert.equal((await request({ port }, { agent })).status, 200);
    const socket = Object.values(agent.freeSockets).flat()[0];
    assert.ok(socket, 'the agent keeps the connection');
    const closed = once(socket, 'close');
    backend.child.kill('SIGTERM');
    await closed;
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
    agent.destroy();
  });

  it('exits with code 0 after the grace time when a request never finishes', async () => {
    const { backend, port } = await start({ FIXTURE_GRACE_TIME: '200' });
    const slow = request({ port }, { path: '/slow' }).then(
      () => 'answered',
      () => 'cut',
    );
    await backend.event('slow_started');
    backend.child.kill('SIGTERM');
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
    assert.equal(await slow, 'cut');
    assert.match(backend.stderr, /portico\.integration\.shutdown_forced/);
  });

  it('runs cleanup after the server has closed, then exits 0', async () => {
    const { backend, port } = await start({ FIXTURE_CLEANUP: '1' });
    const slow = request({ port }, { path: '/slow' });
    await backend.event('slow_started');
    backend.child.kill('SIGTERM');
    await backend.stderrIncludes('shutdown_started');
    assert.ok(!backend.stdout.includes('cleanup_ran'), 'cleanup ran while a request was in flight');
    backend.child.stdin?.write('release\n');
    assert.equal((await slow).status, 200);
    await backend.event('cleanup_ran');
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
  });

  it('waits for every server in the process before exiting', async () => {
    const { backend } = await start({ FIXTURE_SECOND_SERVER: '1' });
    const secondPort = Number((await backend.event('second_listening'))['port']);
    const slow = request({ port: secondPort }, { path: '/slow' });
    await backend.event('slow_started');
    backend.child.kill('SIGTERM');
    // The first server has nothing in flight: it drains at once, the second waits for /slow.
    await backend.stderrIncludes('shutdown_drained');
    assert.ok(!backend.stderr.includes('shutdown_finished'));
    backend.child.stdin?.write('release\n');
    const reply = await slow;
    assert.equal(reply.status, 200, 'the first server to drain ended the process');
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
  });

  it('returns the same promise from every shutdown() call and the same handle from every install', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const lines: string[] = [];
    const logger = { error: (line: string) => lines.push(line), info: (line: string) => lines.push(line) };
    const handle = installGracefulShutdown(server, { exit: false, signals: [], logger });
    assert.equal(installGracefulShutdown(server), handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const first = handle.shutdown('test');
    assert.equal(handle.shutdown('again'), first);
    assert.equal(handle.shuttingDown, true);
    await first;
    assert.equal(server.listening, false);
    assert.equal(lines.filter((line) => line.startsWith('portico.integration.shutdown_started')).length, 1);
  });

  it('ignores a second SIGTERM while draining', async () => {
    const { backend, port } = await start();
    const slow = request({ port }, { path: '/slow' });
    await backend.event('slow_started');
    backend.child.kill('SIGTERM');
    await backend.stderrIncludes('shutdown_started');
    backend.child.kill('SIGTERM');
    // A round trip through the child's stdin handler: the second signal has been handled by then.
    backend.child.stdin?.write('release\n');
    assert.equal((await slow).status, 200);
    assert.deepEqual(await backend.exited, { code: 0, signal: null });
    assert.equal(backend.stderr.match(/shutdown_started/g)?.length, 1);
  });
});
