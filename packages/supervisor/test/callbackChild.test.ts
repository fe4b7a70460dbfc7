import assert from 'node:assert/strict';
import { createActor, fromCallback } from 'xstate';
import { createSupervisor, SimulatedClock, stopSupervisor, type SupervisorEmitted } from '../src/index.ts';

/** A callback actor, xstate's way to wrap a timer, a socket or a subscription: it cannot end itself. */
const subscription = (log: string[]) =>
  fromCallback(({ receive }) => {
    receive((event) => log.push(`got:${event.type}`));
    return () => log.push('cleanup');
  });

async function stopped(children: Parameters<typeof createSupervisor>[0]): Promise<{ at: number; events: SupervisorEmitted[] }> {
  const clock = new SimulatedClock();
  const root = createActor(createSupervisor(children), { clock }).start();
  const events: SupervisorEmitted[] = [];
  root.on('supervisor.child_stopped', (event) => events.push(event));
  const done = stopSupervisor(root);
  while (clock.pendingTimers > 0) clock.advance(1_000);
  await done;
  return { at: clock.now(), events };
}

// docs/supervisor.md, Start and stop order: a child that cannot reach a final state is asked in
// vain, and every stop of its tree waits out its shutdown time.
describe('a fromCallback child', () => {
  it('is asked to stop, cannot end, and is stopped outright after its shutdown time', async () => {
    const log: string[] = [];
    const result = await stopped({ children: [{ id: 'feed', logic: subscription(log) }] });
    assert.deepEqual(log, ['got:portico.shutdown', 'cleanup']);
    assert.equal(result.at, 5_000, 'the default shutdown time of a worker-kind child');
    assert.deepEqual(result.events.map((e) => e.type === 'supervisor.child_stopped' && e.how), ['timeout']);
  });

  it('stops at once, its cleanup run, with shutdown: brutal_kill', async () => {
    const log: string[] = [];
    const result = await stopped({ children: [{ id: 'feed', logic: subscription(log), shutdown: 'brutal_kill' }] });
    assert.deepEqual(log, ['cleanup']);
    assert.equal(result.at, 0);
    assert.deepEqual(result.events.map((e) => e.type === 'supervisor.child_stopped' && e.how), ['brutal']);
  });
});
