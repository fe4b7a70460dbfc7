import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { FrontInbox } from '../../src/fronts/FrontInbox.ts';
import { LogBudget } from '../../src/fronts/LogBudget.ts';

const bounds = { messageBytes: 100, messagesPerSecond: 10, bytesPerSecond: 1000 };
const line = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`);

describe('FrontInbox', () => {
  it('reads messages split across chunks and several in one chunk', () => {
    const inbox = new FrontInbox(bounds);
    const bytes = Buffer.concat([line({ a: 1 }), line({ b: 2 }), line({ c: 3 })]);
    assert.deepEqual(inbox.read(bytes.subarray(0, 5)), []);
    assert.deepEqual(inbox.read(bytes.subarray(5, 20)), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(inbox.read(bytes.subarray(20)), [{ c: 3 }]);
    assert.equal(inbox.overflow, undefined);
  });

  it('cuts a message past messageBytes before its end comes, holding none of it', () => {
    const inbox = new FrontInbox(bounds);
    assert.deepEqual(inbox.read(Buffer.from('"' + 'x'.repeat(60))), []);
    assert.deepEqual(inbox.read(Buffer.from('x'.repeat(60))), []);
    assert.deepEqual(inbox.overflow, { reason: 'message too large', reached: 121, limit: 100 });
    assert.deepEqual(inbox.read(line({ after: true })), [], 'nothing is read after the cut');
  });

  it('cuts past messagesPerSecond within a second of the sender, and counts each of its seconds afresh', () => {
    const clock = new SimulatedClock();
    const inbox = new FrontInbox(bounds, clock);
    clock.advance(1500);
    const sent = (sentAt: number, count: number) => Buffer.concat(Array.from({ length: count }, () => line({ sentAt })));
    assert.equal(inbox.read(sent(0, 10)).length, 10);
    assert.equal(inbox.read(sent(1000, 10)).length, 10);
    assert.deepEqual(inbox.read(sent(1500, 1)), []);
    assert.deepEqual(inbox.overflow, { reason: 'too many messages', reached: 11, limit: 10 });
  });

  // A front's stamps are its own word: one that claims a new second for every message (a bug, or
  // code that took the front over) would escape every bound counted by them. Failed before: all
  // 50 were read with the reader's clock still in its first second.
  it('opens no second for a stamp that runs ahead of the time the control has seen pass', () => {
    const clock = new SimulatedClock();
    const inbox = new FrontInbox(bounds, clock);
    const lying = Buffer.concat(Array.from({ length: 50 }, (_, i) => line({ sentAt: i * 1000 })));
    assert.deepEqual(inbox.read(lying), [], 'a chunk that passes a bound is read no further');
    assert.deepEqual(inbox.overflow, { reason: 'too many messages', reached: 11, limit: 10 });
    clock.advance(60_000);
    assert.deepEqual(inbox.read(line({ sentAt: 60_000 })), [], 'nothing is read after the cut');
  });

  it('counts a backlog read at once (the control held up) in the seconds it was sent in', () => {
    const clock = new SimulatedClock();
    const inbox = new FrontInbox(bounds, clock);
    clock.holdUp(11_000); // the control held up from its start to this read
    // Six seconds of a front sending its most, read in one chunk.
    const backlog = Buffer.concat(Array.from({ length: 60 }, (_, i) => line({ sentAt: 5000 + Math.floor(i / 10) * 1000 + (i % 10) })));
    assert.equal(inbox.read(backlog).length, 60);
    assert.equal(inbox.overflow, undefined);
    // Messages without their second count in the one open (the last): a runaway that sends them is cut.
    assert.equal(inbox.read(Buffer.concat(Array.from({ length: 11 }, () => line({ type: 'log' })))).length, 0);
    assert.deepEqual(inbox.overflow, { reason: 'too many messages', reached: 11, limit: 10 });
  });

  it('cuts past bytesPerSecond, and a line that is not JSON', () => {
    const bytes = new FrontInbox(bounds);
    for (let i = 0; i < 12 && !bytes.overflow; i++) bytes.read(Buffer.from('x'.repeat(90)));
    assert.equal(bytes.overflow?.reason, 'message too large', 'a message without end is cut at its bound first');
    const rate = new FrontInbox({ ...bounds, messageBytes: 10_000 });
    for (let i = 0; i < 12 && !rate.overflow; i++) rate.read(Buffer.from('x'.repeat(90)));
    assert.deepEqual(rate.overflow, { reason: 'too many bytes', reached: 1080, limit: 1000 });
    const garbage = new FrontInbox(bounds);
    assert.deepEqual(garbage.read(Buffer.from('{not json\n')), []);
    assert.equal(garbage.overflow?.reason, 'not a message');
  });
});

describe('LogBudget', () => {
  it('lets perSecond events through a second, counts the rest, and none while too much is pending', () => {
    const clock = new SimulatedClock();
    let pending = 0;
    const budget = new LogBudget(clock, () => pending);
    let taken = 0;
    for (let i = 0; i < LogBudget.perSecond + 50; i++) if (budget.take()) taken++;
    assert.equal(taken, LogBudget.perSecond);
    assert.equal(budget.dropped(), 50);
    assert.equal(budget.dropped(), 0, 'counted once');
    clock.advance(1000);
    assert.equal(budget.take(), true);
    pending = LogBudget.pendingBytes + 1;
    assert.equal(budget.take(), false);
    assert.equal(budget.dropped(), 1);
  });
});
