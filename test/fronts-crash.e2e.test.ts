import assert from 'node:assert/strict';
import http from 'node:http';
import type { Portico } from '@portico/portico';
import { changed } from './helpers/load.ts';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { socketOwner } from './helpers/socketOwner.ts';

/** One client: back-to-back GETs on one keep-alive connection (a new one only after a failure). */
interface Client {
  /** Each request: the client's port of the connection it went on (0: none), and whether it got 200. */
  readonly requests: { port: number; ok: boolean }[];
  stop(): Promise<void>;
}

function client(port: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const requests: { port: number; ok: boolean }[] = [];
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          requests.push({ port: req.socket?.localPort ?? 0, ok: res.statusCode === 200 });
          resolve();
        });
        res.on('error', () => (requests.push({ port: req.socket?.localPort ?? 0, ok: false }), resolve()));
      });
      req.on('error', () => (requests.push({ port: req.socket?.localPort ?? 0, ok: false }), resolve()));
    });
  const loop = (async () => {
    while (running) await one();
  })();
  return {
    requests,
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

/** Resolves once every client has made `count` more requests than it had. */
async function progressed(clients: readonly Client[], count: number): Promise<void> {
  const target = clients.map((c) => c.requests.length + count);
  while (clients.some((c, i) => c.requests.length < target[i]!)) await new Promise((resolve) => setImmediate(resolve));
}

const frontPids = (portico: Portico) => (portico.status().fronts ?? []).map((f) => f.pid!);

// Issue 21: a front that crashes is restarted while the others keep serving, and the listening
// socket never stops accepting. What this holds, precisely: the front is SIGKILLed while eight
// or more clients send back-to-back requests on keep-alive connections spread over both fronts.
// Every connection held by the other front goes on with no failed request and stays the same
// connection; a connection held by the killed front is lost with it (at most the one request in
// flight on it fails), and its client's next connection is served at once; the killed front is
// restarted and listens again.
describe('fronts: a front killed under load', function () {
  this.timeout(90_000);
  afterEach(stopAllPorticos);

  it('costs only the connections it held: the other front serves on without a failure, and it is restarted', async () => {
    const { portico, port, logs } = await startPortico({ fronts: 2, apps: [app('shop', { start: 'eager', processesPerApplication: 2 })] });
    await changed(portico, () => portico.status().apps[0]?.workers.filter((w) => w.state === 'ready').length === 2);
    const pids = frontPids(portico);
    const clients: Client[] = [];
    const owners = new Map<Client, number>();
    // The fronts share one accept queue: add clients until each front holds a connection.
    while (clients.length < 40 && new Set(owners.values()).size < 2) {
      const added = Array.from({ length: 4 }, () => client(port));
      clients.push(...added);
      await progressed(added, 3);
      for (const c of added) {
        const owner = await socketOwner(port, c.requests.at(-1)!.port, pids);
        if (owner !== undefined) owners.set(c, owner);
      }
    }
    assert.equal(new Set(owners.values()).size, 2, `connections on both fronts (${[...owners.values()].join(',')})`);
    const victim = pids[0]!;
    const victims = clients.filter((c) => owners.get(c) === victim);
    const survivors = clients.filter((c) => owners.get(c) !== undefined && owners.get(c) !== victim);
    const before = new Map(clients.map((c) => [c, c.requests.length]));

    process.kill(victim, 'SIGKILL');
    await changed(portico, () => {
      const front = portico.status().fronts?.[0];
      return front?.restarts === 1 && front.state === 'serving';
    });
    await progressed(clients, 5);
    await Promise.all(clients.map((c) => c.stop()));

    for (const c of survivors) {
      const after = c.requests.slice(before.get(c)!);
      assert.ok(after.every((r) => r.ok), `a connection of the other front failed: ${JSON.stringify(after.filter((r) => !r.ok))}`);
      assert.ok(after.every((r) => r.port === c.requests[0]!.port), 'it stayed on its connection');
    }
    for (const c of victims) {
      const after = c.requests.slice(before.get(c)!);
      assert.ok(after.filter((r) => !r.ok).length <= 1, `at most the request in flight is lost: ${JSON.stringify(after)}`);
      const firstNew = after.findIndex((r) => r.port !== c.requests[0]!.port && r.port !== 0);
      assert.ok(firstNew >= 0 && after.slice(firstNew).every((r) => r.ok), `its next connection is served: ${JSON.stringify(after)}`);
    }
    assert.ok(victims.length > 0 && survivors.length > 0);
    assert.ok(logs.some((l) => l['event'] === 'front.exited' && l['signal'] === 'SIGKILL' && l['frontPid'] === victim));
    const restarted = portico.status().fronts![0]!;
    assert.ok(restarted.pid !== undefined && restarted.pid !== victim, 'a new front process listens in its place');
  });
});
