import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { createSupervisor, type SupervisorEmitted } from '@portico/supervisor';
import { SimulatedClock, testChild } from '../src/index.ts';

describe('testChild', () => {
  // Without its input, every start failed with "Cannot read properties of undefined (reading
  // 'log')", and the supervisor gave up: nothing said the child spec lacked an input.
  it('fails to start without its input, saying what to give it', () => {
    const errors: string[] = [];
    const root = createActor(createSupervisor({ intensity: 0, children: [{ id: 'w', logic: testChild } as never] }), { clock: new SimulatedClock() });
    root.on('*', (event: SupervisorEmitted) => {
      if (event.type === 'supervisor.child_start_failed') errors.push(String(event.error));
    });
    root.start();
    assert.match(errors[0] ?? '', /testChild needs an input .*input: \{ name: 'w', log \}/);
  });

  it('logs its start and its graceful stop', () => {
    const log: string[] = [];
    const root = createActor(createSupervisor({ children: [{ id: 'a', logic: testChild, input: { name: 'a', log } }] }), { clock: new SimulatedClock() });
    root.start();
    root.send({ type: 'portico.shutdown' });
    assert.deepEqual(log, ['start:a', 'shutdown:a']);
  });
});
