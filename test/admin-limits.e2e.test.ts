import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';
import { app } from './helpers/portico.ts';

// The admin TCP port's limits were settable only by an embedder (createAdminServer's `limits`);
// an operator could not lower them in the config file, nor raise them for many probes.
describe('admin.limits in the config file', function () {
  this.timeout(30_000);
  let portico: Portico | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await portico?.stop();
    portico = undefined;
  });

  async function start(limits: Record<string, unknown>): Promise<{ port: number; logs: Record<string, unknown>[] }> {
    const dir = await mkdtemp(join(tmpdir(), 'portico-admin-limits-'));
    const config = resolveConfig(
      { listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: 0, socket: join(dir, 'admin.sock'), limits }, apps: [app('shop')] },
      { file: join(dir, 'portico.json'), baseDir: dir },
    );
    const logs: Record<string, unknown>[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
    });
    portico = createPortico(config, { logger: createLogger({ destination, pretty: false }) });
    const started = await portico.start();
    return { port: started.admin!.port, logs };
  }

  async function connect(port: number): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    await once(socket, 'connect');
    return socket;
  }

  it('keeps maxConnections: a third idle connection closes the oldest when it is 2', async () => {
    const { port, logs } = await start({ maxConnections: 2 });
    const first = await connect(port);
    const closed = once(first, 'close');
    await connect(port);
    const third = await connect(port);
    await closed;
    assert.equal(third.destroyed, false);
    assert.ok(logs.some((l) => l['event'] === 'admin.connections_limited'), 'admin.connections_limited is logged');
  });

  it('refuses a limit out of range, naming it', () => {
    assert.throws(() => resolveConfig({ listen: [{ port: 0 }], admin: { port: 0, limits: { headersTimeout: 301 } }, apps: [app('shop')] }, { file: '/tmp/x/portico.json', baseDir: '/tmp/x' }), /admin\.limits\.headersTimeout/);
    assert.throws(() => resolveConfig({ listen: [{ port: 0 }], admin: { port: 0, limits: { maxConnection: 3 } }, apps: [app('shop')] }, { file: '/tmp/x/portico.json', baseDir: '/tmp/x' }), /admin\.limits\.maxConnection: is not a known key; did you mean "maxConnections"/);
  });
});
