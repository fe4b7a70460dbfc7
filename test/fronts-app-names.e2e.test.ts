import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveConfig } from '@portico/portico';
import { until } from './helpers/frontClients.ts';
import { app, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Review of issue 21: an app may be named `constructor` (letters, digits, `.`, `_`, `-`), as every
// object's property is. Right after the reload that added it, the fronts' last reports did not
// name it, and the control read `waiting.constructor` as Object.prototype's function:
// /status's queueDepth was "00function Object() { [native code] }", and /metrics no number.
describe('fronts: apps named as a property every object has', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('have a queue depth of 0 right after the reload that adds them, and their requests counted', async () => {
    const input = { fronts: 2, listen: [{ port: 0, host: '127.0.0.1' }], apps: [app('shop')] };
    const { portico, port, dir } = await startPortico(input);
    // A front has reported: its report names only `shop`.
    await until(() => portico.metrics.render().includes('portico_front_requests_total'));
    const names = ['constructor', 'toString', 'hasOwnProperty'];
    const next = resolveConfig({ ...input, apps: [app('shop'), ...names.map((name) => app(name, { match: { path: `/${name}` } }))] }, { file: join(dir, 'portico.json'), baseDir: dir });
    const result = await portico.reload(next);
    assert.equal(result.ok, true, JSON.stringify(result));

    const depths = () => names.map((name) => portico.status().apps.find((a) => a.name === name)?.queueDepth);
    assert.deepEqual(depths(), [0, 0, 0]);
    assert.match(portico.metrics.render(portico.status()), /^portico_queue_depth\{app="constructor"\} 0$/m);

    for (const name of names) assert.equal((await request(port, `/${name}`)).status, 200, name);
    // Counted by the front that answered, and reported within a second.
    await until(() => names.every((name) => portico.metrics.counts(name)?.requests === 1));
    assert.deepEqual(depths(), [0, 0, 0]);
  });
});
