import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '../../src/index.ts';

/** Resolves with the first logged line of `event` (already logged or to come). */
function logged(lines: Record<string, unknown>[], destination: PassThrough, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const check = () => {
      const found = lines.find((line) => line['event'] === event);
      if (!found) return;
      destination.off('data', check);
      resolve(found);
    };
    destination.on('data', check);
    check();
  });
}

// Failed before: Portico gave its admin endpoint no logger, so what it says to the log went
// nowhere: a 500 answered "internal error; see the log" with nothing in the log, a request refused
// for its Host named no Host, and a flood of the TCP port was closed without a word.
describe('Portico logs what its admin endpoint refuses, as catalogued events', function () {
  this.timeout(20_000);
  let dir: string;
  let portico: Portico;
  const lines: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  const sockets: net.Socket[] = [];
  let port: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-admin-events-'));
    destination.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const config = resolveConfig(
      { listen: [{ port: 0, host: '127.0.0.1' }], admin: { port: 0, socket: join(dir, 'run', 'admin.sock') }, apps: [{ name: 'shop', processPath: '/bin/true' }] },
      { file: join(dir, 'portico.json'), baseDir: dir },
    );
    portico = createPortico(config, { logger: createLogger({ destination, pretty: false }) });
    port = (await portico.start()).admin!.port;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await portico.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('admin.host_refused names the Host of a request refused for it', async () => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.end('GET /status HTTP/1.1\r\nHost: evil.example\r\n\r\n');
    const line = await logged(lines, destination, 'admin.host_refused');
    assert.equal(line['eventId'], 1601);
    assert.equal(line['host'], 'evil.example');
  });

  it('admin.connections_limited says when a connection was closed to keep the TCP port’s limits', async () => {
    // 512 connections may be open; the 513th closes the oldest that has sent no request.
    for (let i = 0; i < 513; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
    }
    await Promise.all(sockets.filter((socket) => socket.connecting).map((socket) => once(socket, 'connect')));
    const line = await logged(lines, destination, 'admin.connections_limited');
    assert.equal(line['eventId'], 1602);
    assert.deepEqual([line['open'], line['closed']], [512, 1]);
  });
});
