import assert from 'node:assert/strict';
import { createActor, createMachine, fromTransition } from 'xstate';
import { trackActors } from '../src/index.ts';

/** Logic that never looks at `xstate.stop`: its snapshot stays 'active' after it is stopped. */
const counter = fromTransition((count: number) => count + 1, 0);

describe('trackActors', () => {
  it('counts a started child as live until its parent stops it, even when its logic ignores the stop', async () => {
    const root = createActor(createMachine({ invoke: { id: 'counter', src: counter } }));
    const actors = trackActors(root);
    root.start();
    assert.equal(actors.live().length, 2);
    const child = root.getSnapshot().children.counter!;
    root.stop();
    await Promise.resolve();
    assert.equal(child.getSnapshot().status, 'active');
    assert.deepEqual(actors.live(), []);
    assert.equal(actors.created, 2);
  });

  it('refuses to answer when the root had started before it was tracked', () => {
    const root = createActor(createMachine({}));
    root.start();
    const actors = trackActors(root);
    assert.throws(() => actors.live(), /call it before root\.start\(\)/);
  });
});
