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
});
