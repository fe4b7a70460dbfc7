import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { MetricsAsks } from '../../src/fronts/MetricsAsks.ts';

/** Asks on the simulated clock; `sent` holds each ask as `front:id`. */
function asking() {
  const clock = new SimulatedClock();
  const sent: string[] = [];
  const asks = new MetricsAsks(clock, (front, id) => sent.push(`${front}:${id}`));
  return { clock, sent, asks };
}

/** Whether `promise` has settled, once the microtasks queued so far have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('MetricsAsks', () => {
  it('asks each front and resolves once every one has answered its ask', async () => {
    const { sent, asks } = asking();
    const status = asks.ask([1, 2]);
    assert.deepEqual(sent, ['1:1', '2:2']);
    asks.answered(1, 1);
    assert.equal(await settled(status), false, 'front 2 has not answered');
    asks.answered(2, 2);
    assert.equal(await settled(status), true);
  });

  it('makes a /status that comes while an ask is out wait for the next ask, sent once that one is answered', async () => {
    const { clock, sent, asks } = asking();
    const first = asks.ask([1]);
    clock.advance(150);
    // The ask out was sent before these came: its answer may miss a request answered since.
    const second = asks.ask([1]);
    const third = asks.ask([1]);
    assert.deepEqual(sent, ['1:1'], 'one ask out at a time');
    asks.answered(1, 1);
    assert.equal(await settled(first), true);
    assert.deepEqual(sent, ['1:1', '1:2'], 'the next ask, for both');
    assert.equal(await settled(second), false);
    asks.answered(1, 2);
    assert.deepEqual([await settled(second), await settled(third)], [true, true]);
  });

  it('asks a front at most once every 100 ms, however many /status come', () => {
    const clock = new SimulatedClock();
    const sentAt: number[] = [];
    const asks = new MetricsAsks(clock, () => sentAt.push(clock.now()));
    // A /status every 10 ms, and a front that answers the ask out at once (ids count from 1).
    for (let t = 0; t < 500; t += 10) {
      void asks.ask([1]);
      asks.answered(1, sentAt.length);
      clock.advance(10);
    }
    assert.deepEqual(sentAt, [0, 100, 200, 300, 400, 500]);
  });

  it('ignores a report answering an ask it was not sent', async () => {
    const { asks } = asking();
    const status = asks.ask([1, 2]);
    asks.answered(1, 2);
    asks.answered(2, 1);
    asks.answered(1, 99);
    assert.equal(await settled(status), false);
  });

  it('gives a front that does not answer 1 s, and does not wait for it again until it answers', async () => {
    const { clock, sent, asks } = asking();
    const status = asks.ask([1]);
    clock.advance(999);
    assert.equal(await settled(status), false);
    clock.advance(1);
    assert.equal(await settled(status), true, 'its last report stands');
    assert.equal(await settled(asks.ask([1])), true, 'not waited for again');
    assert.deepEqual(sent, ['1:1']);
    // Its loop turns again: it answers, and is asked again.
    asks.answered(1, 1);
    const after = asks.ask([1]);
    assert.deepEqual(sent, ['1:1', '1:2']);
    asks.answered(1, 2);
    assert.equal(await settled(after), true);
  });

  it('waits no longer for a front that exits', async () => {
    const { asks } = asking();
    const status = asks.ask([1]);
    asks.gone(1);
    assert.equal(await settled(status), true);
  });

  // A /status that a front did not answer in time gave that front's last report: whoever reads
  // it (an operator, a test that checks a request answered just before it) can tell from the
  // count of asks each front left unanswered, the event that it was not answered.
  it('counts, per front, the asks that gave its last report instead of its answer', async () => {
    const { clock, sent, asks } = asking();
    const status = asks.ask([1, 2]);
    asks.answered(1, 1);
    clock.advance(1000);
    assert.equal(await settled(status), true);
    assert.deepEqual([asks.unanswered(1), asks.unanswered(2)], [0, 1], 'front 2 did not answer within the second');
    // Its ask is still out, a second old: the next /status does not wait for it, and counts it again.
    assert.equal(await settled(asks.ask([2])), true);
    assert.equal(asks.unanswered(2), 2);
    // It answers at last; the next ask is answered in time.
    asks.answered(2, 2);
    const next = asks.ask([1, 2]);
    clock.advance(100);
    for (const ask of sent.slice(2)) asks.answered(Number(ask.split(':')[0]), Number(ask.split(':')[1]));
    assert.equal(await settled(next), true);
    assert.deepEqual([asks.unanswered(1), asks.unanswered(2)], [0, 2]);
  });
});
