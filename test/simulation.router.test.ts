import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRouter, RequestHeadParser, type ForwardDecision, type RequestHead, type RetryChoice, type Upstream } from '@portico/router';
import { assertSimulation, Simulation } from '@portico/testkit';
import { WorkerPool } from '@portico/worker-actor';

/**
 * The router and a worker pool on simulated time, under random request arrivals and random
 * backend crashes. The exchange itself is simulated from the host's process table: a request
 * sent to a process that is listening is answered; one sent to a process that has died fails
 * before any byte reached the backend, and may be retried once on another worker (nginx's rule)
 * or, when none is ready, on the restarted one, exactly as the socket forwarder does with
 * `decision.retry(error)`.
 */

const parsed = new RequestHeadParser().push(Buffer.from('GET / HTTP/1.1\r\nHost: shop.test\r\n\r\n', 'latin1'));
if (parsed.kind !== 'head') throw new Error('the sample request must parse');
const head: RequestHead = parsed.head;

interface Scenario {
  readonly seed: number;
  readonly processes: number;
  readonly rapidFails: number;
  readonly arrivals: readonly { at: number; count: number }[];
  readonly crashes: readonly { at: number; worker: number }[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  processes: fc.integer({ min: 1, max: 3 }),
  rapidFails: fc.integer({ min: 1, max: 8 }),
  arrivals: fc.array(fc.record({ at: fc.integer({ min: 0, max: 3_000 }), count: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 12 }),
  crashes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 3_000 }), worker: fc.nat(2) }), { maxLength: 8 }),
});

type Answer = { id: number; status: number; tries: number };

async function run(s: Scenario): Promise<void> {
  const sim = new Simulation({ seed: s.seed });
  sim.host.define('shop', { readyAfter: 40 });
  const pool = new WorkerPool({
    worker: { app: 'shop', processPath: 'shop', host: sim.host, startupTimeLimit: 2, shutdownTimeLimit: 1 },
    processesPerApplication: s.processes,
    rapidFailsPerMinute: s.rapidFails,
    backoff: { min: 0.05, max: 0.4, jitter: 0 },
    clock: sim.clock,
  });
  const startupTimeLimit = 2;
  const router = createRouter([{ name: 'shop', match: { host: '*', path: '/' }, backends: pool, startupTimeLimit, maxWaiting: 1_000 }], { clock: sim.clock });

  const answers: Answer[] = [];
  const listening = (upstream: Upstream) =>
    sim.host.alive().some((p) => {
      const e = p.endpoint;
      return p.state === 'listening' && e !== undefined && 'port' in upstream.address && e.kind === 'tcp' && e.port === upstream.address.port;
    });
  const exchange = (id: number, decision: ForwardDecision) => {
    assert.ok(
      pool.ready.some((u) => u.token === decision.upstream.token),
      `request ${id} went to a worker that is not ready`,
    );
    const answer = (choice: RetryChoice, tries: number) => {
      // Portico's own answer (the start-up failure page), or the upstream's.
      const status = choice !== undefined && 'kind' in choice ? choice.status : choice !== undefined && listening(choice) ? 200 : 502;
      decision.release({ status, answered: status === 200, bytesIn: 0, bytesOut: 0, clientClosed: false, incomplete: false });
      answers.push({ id, status, tries });
    };
    if (listening(decision.upstream)) return answer(decision.upstream, 1);
    // Refused before any byte reached the backend: one retry on another ready worker, or on the
    // dead one's restart when there is none.
    const next = decision.retry(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false);
    if (next instanceof Promise) void next.then((upstream) => answer(upstream, 2));
    else answer(next, 2);
  };

  let nextId = 0;
  const pending = new Set<number>();
  const send = () => {
    const id = nextId++;
    pending.add(id);
    void Promise.resolve(router.route({ head, remoteAddress: '127.0.0.1', requestId: `r${id}` })).then((decision) => {
      assert.ok(pending.delete(id), `request ${id} was answered twice`);
      if (decision.kind === 'forward') exchange(id, decision);
      else answers.push({ id, status: decision.status, tries: 0 });
    });
  };

  const events = [
    ...s.arrivals.map((a) => ({ at: a.at, run: () => Array.from({ length: a.count }, send) })),
    ...s.crashes.map((c) => ({
      at: c.at,
      run: () => {
        const victim = pool.ready[c.worker % Math.max(1, pool.ready.length)];
        if (victim) sim.host.crash(victim.pid, 1, 'simulated crash');
      },
    })),
  ].sort((a, b) => a.at - b.at);
  for (const event of events) {
    await sim.advanceTo(event.at);
    event.run();
  }
  // Every request is answered within bounded virtual time: the start queue's limit, plus a start.
  await sim.advance((startupTimeLimit + 1) * 1000);

  assert.equal(pending.size, 0, `${pending.size} requests were never answered`);
  assert.equal(answers.length, nextId);
  for (const a of answers) {
    assert.ok([200, 502, 503].includes(a.status), `request ${a.id} got ${a.status}`);
    assert.ok(a.tries <= 2, `request ${a.id} was tried ${a.tries} times`);
  }
  // Stopping takes simulated time (drain, SIGTERM, exit): let it pass, then wait for the end.
  const closing = pool.close();
  await sim.advance(5_000);
  await closing;
  assert.equal(sim.host.alive().length, 0, 'a backend outlived the pool');
  router.close();
}

describe('router and pool on simulated time', function () {
  this.timeout(60_000);

  it('answers every request exactly once, only from ready workers, retrying at most once, under random crashes', async () => {
    let runs = 0;
    await assertSimulation(
      fc.asyncProperty(scenario, async (s) => {
        runs++;
        await run(s);
      }),
      // Time-boxed by the tier's budget (PORTICO_PROPERTY_SECONDS): 1 s in pnpm test, 8 s in test:slow.
      { numRuns: 3_000 },
    );
    console.log(`      explored ${runs} runs`);
    assert.ok(runs > 0);
  });
});
