import assert from 'node:assert/strict';
import { deleteChild, getChildSpec, startChild, terminateChild, whichChild, type SupervisorSnapshot } from '../../src/index.ts';
import { harness } from '../helpers/harness.ts';
import { testChild } from '../helpers/testChild.ts';

const view = (snapshot: SupervisorSnapshot) => snapshot.children.map((c) => `${c.id}@${c.incarnation}:${c.state}`);

describe('ChildrenView', () => {
  it('gives every snapshot the children as they were when it was taken, read at once or long after', () => {
    const t = harness({ intensity: 1_000 }, [{ id: 'a' }, { id: 'b' }]).start();
    const kept: { snapshot: SupervisorSnapshot; expected: string[] }[] = [];
    // The start order, followed beside the supervisor; each child's state read one by one
    // (whichChild), so the expectation does not come from the view under test.
    const order = ['a', 'b'];
    const keep = () => {
      for (const id of [...order]) if (!getChildSpec(t.supervisor, id)) order.splice(order.indexOf(id), 1);
      for (let i = 0; i < 7; i++) if (getChildSpec(t.supervisor, `x${i}`) && !order.includes(`x${i}`)) order.push(`x${i}`);
      const expected = order.map((id) => {
        const child = whichChild(t.supervisor, id)!;
        return `${child.id}@${child.incarnation}:${child.state}`;
      });
      const snapshot = t.supervisor.getSnapshot();
      // Read every third one at once and leave the rest unread until the end.
      if (kept.length % 3 === 0) assert.deepEqual(view(snapshot), expected);
      kept.push({ snapshot, expected });
    };
    // Far more changes than children, so the log is folded into new bases several times.
    for (let i = 0; i < 150; i++) {
      void startChild(t.supervisor, { id: `x${i % 7}`, logic: testChild, input: { log: t.log, name: `x${i % 7}` } });
      keep();
      if (i % 3 === 0) t.send('a', 'crash');
      keep();
      void terminateChild(t.supervisor, `x${i % 7}`);
      keep();
      if (i % 2 === 0) void deleteChild(t.supervisor, `x${i % 7}`);
      keep();
    }
    for (const [index, { snapshot, expected }] of kept.entries()) assert.deepEqual(view(snapshot), expected, `snapshot ${index}`);
  });

  it('puts a child deleted and started again under the same id at the end of the start order', () => {
    const t = harness({}, [{ id: 'a' }, { id: 'b' }]).start();
    void terminateChild(t.supervisor, 'a');
    void deleteChild(t.supervisor, 'a');
    void startChild(t.supervisor, { id: 'a', logic: testChild, input: { log: t.log, name: 'a' } });
    assert.deepEqual(t.states(), ['b@1:running', 'a@1:running']);
  });
});
