import assert from 'node:assert/strict';
import net from 'node:net';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

/** Sends `GET path` on a raw connection; `closed` resolves with what the client got once the connection closes. */
function rawGet(port: number, path: string) {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
  return { socket, closed: new Promise<string>((resolve) => socket.on('close', () => resolve(text))) };
}

// Portico's stop began with the listener's stopAccepting, which waited for node's server.close
// callback, and that comes only once every connection the server accepted has ended: a request
// in flight (a slow report, a long poll), a WebSocket or a keep-alive client held the stop before
// any worker was asked to drain, for as long as the client liked, far past shutdownTimeLimit and
// the TimeoutStopSec `portico service` derives from it. A stop now stops accepting at once; the
// workers drain within shutdownTimeLimit, and the connections still open are closed after.
describe('Portico stopping while a client connection stays open', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('stops within the drain, not when the client is done', async () => {
    // The backend answers in 10 minutes, and takes its request with it when it is stopped.
    const { portico, port } = await startPortico({ apps: [app('shop', { start: 'eager', processesPerApplication: 1, environmentVariables: { DELAY_MS: '600000' } })] });
    await changed(portico, () => portico.status().apps[0]?.workers.some((w) => w.state === 'ready') === true);
    const held = rawGet(port, '/');
    await changed(portico, () => portico.status().apps[0]?.workers[0]?.inFlight === 1);
    await portico.stop();
    assert.equal(portico.status().apps[0]?.state, 'stopped');
    // The request the stopped worker held is cut; the client is not left waiting on a dead backend.
    assert.doesNotMatch(await held.closed, /^HTTP\/1\.1 200 /);
  });
});
