import assert from 'node:assert/strict';
import { until } from './helpers/frontClients.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Portico's stop left a request that waited for its app to start waiting on a pool that was
// stopping for good, until the stop closed the connections: the client got no answer at all
// ('socket hang up'), for a request that had reached no backend. With fronts the same happened
// in a front's router, until the fronts were closed.
describe('Portico stopping while a request waits for its app to start', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  for (const { fronts, name } of [
    { fronts: undefined, name: 'answers the waiting request 503, Portico is stopping' },
    { fronts: 2, name: 'fronts: answers a request waiting for its app to start 503, Portico is stopping' },
  ]) {
    it(name, async () => {
      const apps = [app('shop', { environmentVariables: { LISTEN_DELAY_MS: '600000' }, startupTimeLimit: 600, start: 'lazy' })];
      const { portico, port } = await startPortico(fronts === undefined ? { apps } : { fronts, apps });
      const waiting = request(port, '/');
      // Looked for, not waited for with `changed`: a worker's spawn changes no pool state, so no
      // onChange came for it until the next resource sample, 5 s later.
      await until(() => portico.status().apps[0]?.workers.some((w) => w.pid !== undefined) === true);
      await portico.stop();
      const answer = await waiting;
      assert.equal(answer.status, 503);
      assert.match(answer.body, /Portico is stopping/);
    });
  }
});
