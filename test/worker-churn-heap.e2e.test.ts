import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico } from '@portico/portico';
import { app } from './helpers/portico.ts';

const KiB = 1024;
/** Workers replaced before the first measure: code loaded, caches and pools at their size. */
const WARM_UP = 24;
const REPLACED = 80;
/**
 * Each measure is the least heap seen after each of this many replacements in a row: the
 * supervisor keeps its last few dozen child changes (ChildrenView), with the workers they name,
 * so the heap saws up and down by about a MiB; its floor does not move.
 */
const FLOOR_OF = 8;
/**
 * What the floor may rise over REPLACED replacements. Measured: 250–310 KiB over 80, and less
 * than nothing over 240 (what fills up early is full); a pool that kept each replaced worker's
 * actor gained 27 KiB a replacement, 2.1 MiB over 80.
 */
const BOUND = 1024 * KiB;

/** The heap's objects after a full collection; compiled code, which grows as the JIT warms up over minutes, is not counted. */
const heapAfterCollection = (): number => {
  global.gc?.();
  global.gc?.();
  return v8
    .getHeapSpaceStatistics()
    .filter((space) => !space.space_name.startsWith('code'))
    .reduce((sum, space) => sum + space.space_used_size, 0);
};

/** GET / on one keep-alive connection: the pid that answered, or undefined for another status. */
function pidAnswering(port: number, agent: http.Agent): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { pid: number }).pid : undefined));
      })
      .on('error', reject);
  });
}

// Portico runs for months while its workers are replaced thousands of times. Every structure kept
// per worker, per process or per router must be dropped with it (docs/architecture.md, What is
// kept per worker): a worker replaced after each request (recycling.requests: 1) leaves the
// control process's heap where it was. Its own logger writes nowhere, so only Portico's state counts.
describe('a Portico whose worker is replaced after every request', function () {
  this.timeout(180_000);
  let portico: Portico | undefined;
  afterEach(() => portico?.stop());

  it(`keeps its heap flat over ${REPLACED} replacements`, async function () {
    if (global.gc === undefined) this.skip();
    const dir = await mkdtemp(join(tmpdir(), 'portico-churn-'));
    const config = resolveConfig(
      { listen: [{ port: 0, host: '127.0.0.1' }], apps: [app('shop', { start: 'eager', recycling: { requests: 1 } })] },
      { file: join(dir, 'portico.json'), baseDir: dir },
    );
    const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
    portico = createPortico(config, { logger: createLogger({ destination: nowhere, pretty: false }) });
    const { listen: [address] } = await portico.start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const pids = new Set<number>();
    /** Requests until `count` processes have answered: each is replaced after its first. */
    const until = async (count: number) => {
      while (pids.size < count) {
        const pid = await pidAnswering(address!.port, agent);
        if (pid !== undefined) pids.add(pid);
      }
    };
    /** The least heap, and the most timers and handles, after each of the next FLOOR_OF replacements. */
    const measure = async () => {
      let heap = Infinity;
      let resources = 0;
      for (let i = 0; i < FLOOR_OF; i++) {
        await until(pids.size + 1);
        heap = Math.min(heap, heapAfterCollection());
        resources = Math.max(resources, process.getActiveResourcesInfo().length);
      }
      return { heap, resources };
    };
    await until(WARM_UP);
    const before = await measure();
    await until(pids.size + REPLACED);
    const after = await measure();
    agent.destroy();
    const grown = after.heap - before.heap;
    assert.ok(grown < BOUND, `the heap grew ${Math.round(grown / KiB)} KiB over ${REPLACED} replacements (${Math.round(grown / REPLACED)} bytes each)`);
    // A timer or handle left per worker would be REPLACED more; a worker starting or stopping is a few.
    assert.ok(after.resources < before.resources + 20, `timers and handles: ${before.resources} after the warm-up, ${after.resources} ${REPLACED} replacements later`);
  });
});
