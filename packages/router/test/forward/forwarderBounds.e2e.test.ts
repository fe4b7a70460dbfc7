import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { resolveForwarderOptions } from '../../src/forward/ForwarderOptions.ts';
import { maxBytesHeldPerConnection } from '../../src/internal/forward/connectionBounds.ts';
import { closeAll, floodWithoutReading, httpGet, startHttpBackend } from './harness.ts';

// The forwarder alone in a process of its own (fixtures/forwarderProcess.ts), so that what it
// holds can be measured apart from the clients and the backend.
describe('forwarder bounds, measured in a process of its own', () => {
  afterEach(closeAll);

  describe('a pipelining client that never reads', () => {
    it('makes Portico hold no more than maxBytesHeldPerConnection for it', async function () {
      this.timeout(120_000);
      const body = Buffer.alloc(16 * 1024, 0x61);
      const backend = await startHttpBackend((_req, res) => res.end(body));
      const count = 4;
      const bound = maxBytesHeldPerConnection(resolveForwarderOptions({ pickUpstream: () => undefined }));
      const fixture = new URL('./fixtures/forwarderProcess.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, [...process.execArgv, fixture, String(backend.port), '2000', String(4 * count * bound)], {
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      const clients: net.Socket[] = [];
      try {
        const [line] = (await once(child.stdout!, 'data')) as [Buffer];
        const port = Number(line.toString().trim());
        // Warm up on one connection, closed after: the code paths compiled, a backend connection pooled.
        const agent = new http.Agent({ keepAlive: false });
        for (let i = 0; i < 20; i++) await httpGet(port, '/', agent);
        child.send('baseline');
        await once(child, 'message');
        // Listening for the report before the flood: a busy machine may see it come while the
        // last clients connect.
        const reported = once(child, 'message');
        for (let i = 0; i < count; i++) clients.push(await floodWithoutReading(port, 1_500));
        child.send('flooded');
        const [report] = (await reported) as [{ growth: number; mostConnections: number }];
        const perConnection = report.growth / count;
        assert.ok(perConnection <= bound, `Portico held ${Math.round(perConnection / 1024)} KiB per connection, over the ${bound / 1024} KiB documented`);
        assert.equal(report.mostConnections, count);
      } finally {
        for (const c of clients) c.destroy();
        child.kill();
      }
    });
  });
});
