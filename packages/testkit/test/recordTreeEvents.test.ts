import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { createSupervisor, stopSupervisor, whichChild, type SupervisorRef } from '@portico/supervisor';
import { assertRestartIntensity, recordTreeEvents, SimulatedClock, testChild } from '../src/index.ts';

describe('recordTreeEvents', () => {
  // recordEvents hears one actor: a test of a nested tree had to subscribe to each inner
  // supervisor as it appeared, and an incarnation that started and gave up between two looks
  // went unheard, its restarts unchecked.
  it('records what every supervisor of the tree emits, each incarnation apart, from its first event', async () => {
    const clock = new SimulatedClock();
    const inner = createSupervisor({ intensity: 0, children: [{ id: 'w', logic: testChild, input: { name: 'w', log: [] } }] });
    const root = createActor(createSupervisor({ intensity: 3, children: [{ id: 'inner', kind: 'supervisor', logic: inner }] }), { clock });
    const events = recordTreeEvents(root, clock);
    root.start();
    const first = whichChild(root, 'inner')!.ref!;
    // intensity 0: the inner supervisor gives up at w's first crash, and root starts a new one.
    whichChild(whichChild(root, 'inner')!.ref!, 'w')!.ref!.send({ type: 'test.crash' });
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(0);
    const second = whichChild(root, 'inner')!.ref!;
    assert.notEqual(second, first);
    whichChild(whichChild(root, 'inner')!.ref!, 'w')!.ref!.send({ type: 'test.crash' });
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(0);
    await stopSupervisor(root);

    const of = (ref: { sessionId: string }) => events.filter((e) => e.sessionId === ref.sessionId).map((e) => `${e.type} ${String(e.childId ?? '')}`.trim());
    const innerLife = ['supervisor.child_started w', 'supervisor.child_exited w', 'supervisor.gave_up w', 'supervisor.stopped'];
    assert.deepEqual(of(first), innerLife);
    assert.deepEqual(of(second), innerLife);
    assert.deepEqual(of(root as SupervisorRef).filter((e) => e.endsWith('inner')), [
      'supervisor.child_started inner',
      'supervisor.child_exited inner',
      'supervisor.child_restarting inner',
      'supervisor.child_started inner',
      'supervisor.child_exited inner',
      'supervisor.child_restarting inner',
      'supervisor.child_started inner',
      'supervisor.child_exited inner',
      'supervisor.child_stopped inner',
    ]);
    // The emitter's id is the child's id and incarnation in its supervisor.
    assert.deepEqual([...new Set(events.filter((e) => e.sessionId !== root.sessionId).map((e) => e.actorId))], ['inner#1', 'inner#2', 'inner#3']);
    // Each incarnation checked against its own policy: the root's restarts are within its intensity.
    assertRestartIntensity(events.filter((e) => e.sessionId === root.sessionId), { intensity: 3, period: 5 });
  });
});
