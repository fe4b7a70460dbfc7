import assert from 'node:assert/strict';
import { until } from './helpers/frontClients.ts';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { rawGet } from './helpers/rawGet.ts';
import { stopWithIdleAndHeld } from './helpers/stopWithIdleAndHeld.ts';

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

  // The connections were only cut at the end of the stop: a keep-alive client's next request in
  // the drain waited for a worker that was stopping, and was reset (counted 499). Now, as nginx's
  // graceful quit, an idle keep-alive connection closes as the stop begins, and a request in
  // flight gets its response, with `connection: close`.
  it('closes an idle keep-alive connection at once and finishes the request in flight with connection: close', async () => {
    const { portico, port } = await startPortico({ apps: [app('shop', { start: 'eager', processesPerApplication: 1, environmentVariables: { DELAY_MS: '1500' } })] });
    await changed(portico, () => portico.status().apps[0]?.workers.some((w) => w.state === 'ready') === true);
    const idle = rawGet(port, '/');
    await until(() => /\r\n\r\n\{.*\}$/s.test(idle.text()));
    const held = rawGet(port, '/');
    await until(() => portico.status().apps[0]?.workers[0]?.inFlight === 1);
    await stopWithIdleAndHeld(() => portico.stop(), idle, held);
  });
});
