import assert from 'node:assert/strict';
import http from 'node:http';
import type { Portico } from '@portico/portico';
import { socketOwner } from './socketOwner.ts';

/** One client: back-to-back GETs on one keep-alive connection (a new one only after a failure). */
export interface FrontClient {
  /** Each request: the client's port of the connection it went on (0: none), and whether it got 200. */
  readonly requests: { port: number; ok: boolean }[];
  stop(): Promise<void>;
}

export function frontClient(port: number): FrontClient {
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
export async function progressed(clients: readonly FrontClient[], count: number): Promise<void> {
  const target = clients.map((c) => c.requests.length + count);
  while (clients.some((c, i) => c.requests.length < target[i]!)) await new Promise((resolve) => setImmediate(resolve));
}

export const frontPids = (portico: Portico) => (portico.status().fronts ?? []).map((f) => f.pid!);

/**
 * Starts clients until connections are held by each of `pids` (the fronts share one accept queue,
 * so which front takes a connection is the kernel's choice); returns them with the front (pid)
 * each client's connection is on.
 */
export async function clientsOnEveryFront(port: number, pids: readonly number[]): Promise<{ clients: FrontClient[]; owners: Map<FrontClient, number> }> {
  const clients: FrontClient[] = [];
  const owners = new Map<FrontClient, number>();
  while (clients.length < 40 && new Set(owners.values()).size < pids.length) {
    const added = Array.from({ length: 4 }, () => frontClient(port));
    clients.push(...added);
    await progressed(added, 3);
    for (const c of added) {
      const owner = await socketOwner(port, c.requests.at(-1)!.port, pids);
      if (owner !== undefined) owners.set(c, owner);
    }
  }
  return { clients, owners };
}

/**
 * Resolves once `predicate` holds, looking again every 20 ms: for what arrives with no status
 * change to wait on (a front's log line, which crosses its channel to the control).
 */
export async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Back-to-back clients on both of two fronts, and which of them front 1 holds: the `victims` if
 * front 1 dies, the `survivors` on the other, and how many requests each had made (`before`).
 */
export async function clientsAcrossTwoFronts(
  portico: Portico,
  port: number,
): Promise<{ clients: FrontClient[]; victim: number; victims: FrontClient[]; survivors: FrontClient[]; before: Map<FrontClient, number> }> {
  const pids = frontPids(portico);
  const { clients, owners } = await clientsOnEveryFront(port, pids);
  assert.equal(new Set(owners.values()).size, 2, `connections on both fronts (${[...owners.values()].join(',')})`);
  const victim = pids[0]!;
  const victims = clients.filter((c) => owners.get(c) === victim);
  const survivors = clients.filter((c) => owners.get(c) !== undefined && owners.get(c) !== victim);
  return { clients, victim, victims, survivors, before: new Map(clients.map((c) => [c, c.requests.length])) };
}

/**
 * What a front's death may cost, once the clients have stopped: every connection of the other
 * fronts (`survivors`) went on without a failed request and stayed the same connection; each
 * connection the dead front held (`victims`) lost at most its request in flight, and its client's
 * next connection was served. `before` is how many requests each client had made when it died.
 */
export function assertOnlyItsConnectionsSuffered({ survivors, victims, before }: { survivors: readonly FrontClient[]; victims: readonly FrontClient[]; before: ReadonlyMap<FrontClient, number> }): void {
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
  assert.ok(victims.length > 0 && survivors.length > 0, 'connections on both fronts');
}
