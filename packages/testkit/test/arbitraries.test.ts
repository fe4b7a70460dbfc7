import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSupervisor } from '@portico/supervisor';
import { WorkerPool } from '@portico/worker-actor';
import {
  assertEachRequestAnsweredOnce,
  assertSimulation,
  buildSupervisionTree,
  faultScheduleArbitrary,
  poolPolicyArbitrary,
  requestArrivalsArbitrary,
  restartPolicyArbitrary,
  runFaultSchedule,
  Simulation,
  supervisionTreeArbitrary,
  treeWorkers,
  type NodeSpec,
} from '../src/index.ts';

const limit = { interruptAfterTimeLimit: 2_000 };
const isSorted = (times: readonly number[]) => times.every((t, i) => i === 0 || times[i - 1]! <= t);

describe('arbitraries', () => {
  it('generates fault schedules in time order, within the horizon, against the given targets', () => {
    fc.assert(
      fc.property(faultScheduleArbitrary({ targets: ['a', 'b'], horizonMs: 1_000 }), (schedule) => {
        assert.ok(isSorted(schedule.map((f) => f.at)));
        assert.ok(schedule.every((f) => f.at >= 0 && f.at < 1_000 && (!('target' in f) || ['a', 'b'].includes(f.target))));
      }),
      limit,
    );
  });

  it('prints a fault schedule one line per fault in counterexamples', () => {
    const [schedule] = fc.sample(faultScheduleArbitrary({ targets: ['shop#1'], kinds: ['crash'], exitCodes: [3] }).filter((s) => s.length === 2), { seed: 5, numRuns: 1 });
    assert.match(fc.stringify(schedule), /^\[\n {2}t=\d+ms crash shop#1 code=3\n {2}t=\d+ms crash shop#1 code=3\n\]$/);
  });

  it('generates request arrivals in time order', () => {
    fc.assert(fc.property(requestArrivalsArbitrary({ horizonMs: 500, maxPerBurst: 4 }), (bursts) => {
      assert.ok(isSorted(bursts.map((b) => b.at)) && bursts.every((b) => b.count >= 1 && b.count <= 4));
    }), limit);
  });

  it('generates restart policies a supervisor accepts', () => {
    fc.assert(fc.property(restartPolicyArbitrary({ jitter: true }), (policy) => void createSupervisor(policy)), limit);
  });

  it('generates pool policies a WorkerPool accepts', () => {
    const sim = new Simulation();
    fc.assert(fc.property(poolPolicyArbitrary(), (policy) => void new WorkerPool({ worker: { app: 'a', processPath: 'x', host: sim.host }, ...policy })), limit);
  });

  it('generates trees with ids unique across the tree, that build into a supervisor', () => {
    const ids = (node: NodeSpec): string[] => (node.kind === 'worker' ? [node.id] : [node.id, ...node.children.flatMap(ids)]);
    fc.assert(
      fc.property(supervisionTreeArbitrary({ maxDepth: 2 }), (tree) => {
        const all = ids(tree);
        assert.equal(new Set(all).size, all.length);
        assert.ok(treeWorkers(tree).length >= 1);
        buildSupervisionTree(tree, []);
      }),
      limit,
    );
  });

  it('drives a request queue in front of a pool that answers every request exactly once', async () => {
    const scenario = fc.record({
      seed: fc.nat(),
      arrivals: requestArrivalsArbitrary({ horizonMs: 10_000, maxBursts: 6, maxPerBurst: 5 }),
      faults: faultScheduleArbitrary({ targets: ['shop#1'], horizonMs: 10_000, maxFaults: 4 }),
    });
    await assertSimulation(
      fc.asyncProperty(scenario, async ({ seed, arrivals, faults }) => {
        const sim = new Simulation({ seed });
        sim.host.define('app', { readyAfter: 200 });
        const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'app', host: sim.host, startupTimeLimit: 1, shutdownTimeLimit: 1 }, rapidFailsPerMinute: 2, clock: sim.clock });
        // A minimal front door: answer from a ready worker, queue while starting, 503 once failed or stopping.
        const requests: string[] = [];
        const answers: string[] = [];
        let queue: string[] = [];
        const drain = () => {
          if (pool.ready.length > 0 || pool.state === 'failed' || pool.state === 'stopping' || pool.state === 'stopped') {
            answers.push(...queue);
            queue = [];
          }
        };
        pool.onChange(drain);
        await sim.until(pool.start());
        const timeline = [...arrivals.map((a) => ({ at: a.at, arrive: a.count })), ...faults.map((f) => ({ at: f.at, fault: f }))].sort((a, b) => a.at - b.at);
        for (const step of timeline) {
          if ('fault' in step) {
            await runFaultSchedule(sim, [step.fault], (target) => pool.status().find((s) => s.id === target)?.pid);
            continue;
          }
          await sim.advanceTo(step.at);
          for (let i = 0; i < step.arrive; i++) {
            const id = `r${requests.length + 1}`;
            requests.push(id);
            queue.push(id);
          }
          drain();
        }
        await sim.until(pool.stop());
        assertEachRequestAnsweredOnce(requests, answers, { trace: sim.trace });
      }),
      { interruptAfterTimeLimit: 4_000, numRuns: 200 },
    );
  });
});
