import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { createSupervisor, whichChild, type SupervisorRef } from '@portico/supervisor';
import { findChild, SimulatedClock, testChild } from '../src/index.ts';

const child = (id: string) => ({ id, logic: testChild, input: { name: id, log: [] } });

describe('findChild', () => {
  // Regression: a nested child was found only under an id prefixed with its supervisor's
  // (`backends.api`, as supervisionTreeArbitrary names them), so in a tree of the integrator's own
  // ids a fault aimed at `api` reached nothing, and the property using it checked nothing.
  it('finds a child of a nested supervisor by its own id', () => {
    const root = createActor(
      createSupervisor({
        children: [child('ticker'), { id: 'backends', kind: 'supervisor', logic: createSupervisor({ children: [child('api'), child('jobs')] }) }],
      }),
      { clock: new SimulatedClock() },
    ).start();
    const backends = whichChild(root, 'backends')?.ref as SupervisorRef;
    assert.equal(findChild(root, 'ticker'), whichChild(root, 'ticker')?.ref);
    assert.equal(findChild(root, 'backends'), backends);
    assert.ok(findChild(root, 'jobs') !== undefined);
    assert.equal(findChild(root, 'jobs'), whichChild(backends, 'jobs')?.ref);
    assert.equal(findChild(root, 'nobody'), undefined);
    root.stop();
  });

  it('finds the dotted ids of a generated tree, its own level first', () => {
    const root = createActor(
      createSupervisor({ children: [{ id: 's0', kind: 'supervisor', logic: createSupervisor({ children: [child('s0.w0'), child('w0')] }) }, child('w0')] }),
      { clock: new SimulatedClock() },
    ).start();
    const s0 = whichChild(root, 's0')?.ref as SupervisorRef;
    assert.equal(findChild(root, 's0.w0'), whichChild(s0, 's0.w0')?.ref);
    assert.equal(findChild(root, 'w0'), whichChild(root, 'w0')?.ref, 'the root’s own w0, not the nested one');
    root.stop();
  });
});
