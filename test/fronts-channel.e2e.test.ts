import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { until } from './helpers/frontClients.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

const spoofingFront = fileURLToPath(new URL('./fixtures/spoofing-front.mjs', import.meta.url));

/** The environment that preloads `fixture` into every process Portico starts (it acts in fronts only). */
const preloading = (fixture: string, more: Record<string, string> = {}) => ({ ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${fixture}`, ...more });

// Review of issue 21: the control wrote a front's log line as `{ ...fields, front }`, and pino
// writes a key twice, the last one read: a front's fields made its line a fatal one of 1999 from
// pid 1, and of another front.
describe('fronts: a log line whose fields restate the line\'s own', function () {
  this.timeout(60_000);
  afterEach(stopAllPorticos);

  it('is refused, and every line keeps the control\'s level, time, pid and the front it is of', async () => {
    const started = Date.now();
    const { logs } = await startPortico({ fronts: 2, apps: [app('shop')] }, undefined, { baseEnvironment: preloading(spoofingFront) });
    const refusals = () => logs.filter((l) => l['event'] === 'front.message_refused');
    const written = () => logs.filter((l) => l['event'] === 'proxy.request_refused');
    await until(() => refusals().length === 2 || written().length > 0);
    assert.deepEqual(written(), [], 'the spoofed line was not written');
    assert.deepEqual(refusals().map((l) => [l['type'], l['problem']]), [1, 2].map(() => ['log', 'fields has "level", not a field of proxy.request_refused that a front sends (docs/events.md)']));
    assert.deepEqual(new Set(refusals().map((l) => l['front'])), new Set([1, 2]));
    for (const line of logs) {
      assert.ok(line['level'] !== 60 && line['pid'] === process.pid && Date.parse(String(line['time'])) >= started && line['front'] !== 99, JSON.stringify(line));
    }
  });
});
