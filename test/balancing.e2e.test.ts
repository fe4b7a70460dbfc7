import assert from 'node:assert/strict';
import type { Portico } from '@portico/portico';
import { changed } from './helpers/load.ts';
import { app, json, request, startPortico, stopAllPorticos } from './helpers/portico.ts';

const readyPids = (portico: Portico) => portico.status().apps[0]?.workers.filter((w) => w.state === 'ready').map((w) => w.pid) ?? [];

// Issue 18, "Elastic pools": ties of least outstanding always picked the first worker, so
// sequential requests all went to worker #1 and the others never served (nor warmed up).
describe('balancing over ready workers', function () {
  this.timeout(30_000);
  afterEach(stopAllPorticos);

  it('spreads sequential requests over every ready worker, in turn', async () => {
    const { portico, port } = await startPortico({ apps: [app('shop', { start: 'eager', processesPerApplication: 3 })] });
    await changed(portico, () => readyPids(portico).length === 3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 30; i++) {
      const reply = await request(port, `/item/${i}`);
      assert.equal(reply.status, 200, reply.body);
      const { pid } = json(reply);
      counts.set(pid, (counts.get(pid) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), readyPids(portico).sort(), 'every ready worker answered');
    // One request in flight at a time: each is a tie of three idle workers, broken in turn.
    assert.deepEqual([...counts.values()], [10, 10, 10], `requests per worker pid: ${JSON.stringify(Object.fromEntries(counts))}`);
  });
});
