import assert from 'node:assert/strict';
import { SimulatedClock } from '@portico/supervisor';
import { maxPingsOut, pingFront } from '../../src/fronts/pingFront.ts';

/** A ping of one front on the simulated clock: interval 2 s, response time 10 s. */
function pinged() {
  const clock = new SimulatedClock();
  const pings: number[] = [];
  const verdicts: number[] = [];
  const notListening: number[] = [];
  const ping = pingFront({
    clock,
    interval: () => 2000,
    responseTime: () => 10_000,
    ping: (id) => pings.push(id),
    unresponsive: (silent) => verdicts.push(silent),
    notListening: (started) => notListening.push(started),
  });
  return { clock, pings, verdicts, notListening, ping };
}

describe('pingFront', () => {
  it('pings every interval and lets a front that answers live', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.listened();
    for (let i = 0; i < 20; i++) {
      clock.advance(2000);
      ping.answered(pings.at(-1)!);
    }
    assert.equal(pings.length, 21);
    assert.deepEqual(verdicts, []);
  });

  it('gives a front 30 s (or three response times, if more) for its first answer, from its start', () => {
    const { clock, verdicts } = pinged();
    clock.advance(30_000);
    assert.deepEqual(verdicts, []);
    clock.advance(2000);
    assert.deepEqual(verdicts, [32_000]);
  });

  // A loaded CI machine: a healthy front answered its first ping, then its start (binding,
  // loading its routes) stalled for longer than responseTime before it listened, and it was
  // killed as hung; it never served. Failed before: found at 14 s, 12 s after the ping of 2 s.
  it('holds a front that answered its first ping to the start limit until it says it listens', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.answered(1);
    clock.advance(20_000);
    assert.deepEqual(verdicts, [], 'silent for twice the response time, still starting');
    ping.answered(pings.at(-1)!);
    ping.listened();
    clock.advance(12_000);
    assert.deepEqual(verdicts, [], 'at 32 s: 10 s since the ping of 22 s, the first after its answer');
    clock.advance(2000);
    assert.deepEqual(verdicts, [12_000], 'listening, it is held to the response time');
  });

  it('finds a front that answered its first ping and never listens once it is silent for the start limit', () => {
    const { clock, verdicts, ping } = pinged();
    ping.answered(1);
    clock.advance(32_000);
    assert.deepEqual(verdicts, [], 'at 32 s: 30 s since the ping of 2 s');
    clock.advance(2000);
    assert.deepEqual(verdicts, [32_000]);
  });

  // Found by review: a front whose start hangs after its loop is up (its routes never applied)
  // answered every ping and never listened, and `start()` waited for it for ever.
  it('finds a front that answers every ping but has not listened for the start limit from its start, once', () => {
    const { clock, pings, verdicts, notListening, ping } = pinged();
    for (let at = 0; at < 30_000; at += 2000) {
      ping.answered(pings.at(-1)!);
      clock.advance(2000);
    }
    assert.deepEqual(notListening, [], 'at 30 s, still within the start limit');
    ping.answered(pings.at(-1)!);
    clock.advance(2000);
    assert.deepEqual(notListening, [32_000]);
    clock.advance(60_000);
    assert.deepEqual([notListening, verdicts], [[32_000], []], 'one verdict, and no ping after it');
  });

  // Found in review: the start limit held only a front that was then within the response time
  // of its answers, so one answering every ping 12 s late (past the response time of 10 s, within
  // the start limit of 30 s) and never listening was pinged for ever. Failed before: no verdict
  // after 10 minutes.
  it('finds a front that never listens however late within the start limit it answers', () => {
    const { clock, pings, verdicts, notListening, ping } = pinged();
    const sentAt = new Map<number, number>([[1, 0]]);
    let answered = 0;
    for (let t = 0; t < 600_000 && verdicts.length + notListening.length === 0; t += 1000) {
      clock.advance(1000);
      for (const id of pings) if (!sentAt.has(id)) sentAt.set(id, clock.now());
      // Every ping answered 12 s after it was sent.
      while (sentAt.has(answered + 1) && clock.now() - sentAt.get(answered + 1)! >= 12_000) ping.answered(++answered);
    }
    assert.equal(verdicts.length + notListening.length, 1, 'one verdict');
    assert.ok(clock.now() <= 34_000, `found at ${clock.now()} ms, not within the start limit and an interval`);
  });

  // A ping sent while the front was starting, and still out when it says it listens, was sent to
  // a starting front: the response time runs from its listening, not from that ping.
  it('gives a front the response time from its listening for a ping sent while it was starting', () => {
    const { clock, verdicts, ping } = pinged();
    ping.answered(1);
    clock.advance(9000);
    ping.listened();
    clock.advance(9000);
    assert.deepEqual(verdicts, [], 'at 18 s: 9 s since it listened, though 16 s since the ping of 2 s');
    clock.advance(2000);
    assert.deepEqual(verdicts, [18_000], 'at 20 s: 11 s since it listened; silent since the ping of 2 s');
  });

  it('keeps to the start limit a front that listens with a ping out for longer than it', () => {
    const { clock, verdicts, ping } = pinged();
    ping.answered(1);
    clock.advance(31_000);
    ping.listened();
    clock.advance(1000);
    assert.deepEqual(verdicts, [], 'at 32 s: 30 s since the ping of 2 s');
    clock.advance(2000);
    assert.deepEqual(verdicts, [32_000], 'its start grace is spent, whenever it listened');
  });

  it('finds a front silent for longer than the response time, once, and pings it no more', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.answered(1);
    ping.listened();
    // The ping at 2 s goes unanswered.
    clock.advance(12_000);
    assert.deepEqual(verdicts, [], 'silent for exactly the response time: not yet');
    clock.advance(2000);
    assert.deepEqual(verdicts, [12_000]);
    const sent = pings.length;
    clock.advance(60_000);
    assert.equal(pings.length, sent);
    assert.deepEqual(verdicts, [12_000]);
  });

  it('counts silence from the first ping not answered, when every ping sent is answered', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.answered(1);
    ping.listened();
    clock.advance(9000);
    // The answer to the ping of 8 s: it answers those of 2, 4 and 6 s as well.
    ping.answered(pings.at(-1)!);
    clock.advance(12_000);
    assert.deepEqual(verdicts, []);
    clock.advance(2000);
    // At the check at 22 s: 12 s since the ping at 10 s, the first after the answer at 9 s.
    assert.deepEqual(verdicts, [12_000]);
  });

  // Review of issue 21: any pong was taken as an answer to every ping sent. A front whose loop
  // answered ping 1 late, and is hung on ping 2 (sent 7 s before that answer), had its silence
  // counted from the ping after the answer: found 8 s later than the response time allows.
  it('counts a late answer to an old ping for that ping only: silence runs from the next ping sent', () => {
    const { clock, pings, verdicts, ping } = pinged();
    // Listening from its start: held to the response time from its first ping.
    ping.listened();
    clock.advance(9000);
    assert.deepEqual(pings, [1, 2, 3, 4, 5], 'pings at 0, 2, 4, 6 and 8 s');
    ping.answered(1);
    clock.advance(3000);
    assert.deepEqual(verdicts, [], 'at 12 s: 10 s since the ping of 2 s, exactly the response time');
    clock.advance(2000);
    assert.deepEqual(verdicts, [12_000], 'at 14 s: 12 s since the ping of 2 s');
  });

  it('ignores an answer to a ping never sent', () => {
    const { clock, verdicts, ping } = pinged();
    ping.answered(2);
    ping.answered(1000);
    clock.advance(32_000);
    assert.deepEqual(verdicts, [32_000], 'no answer counted: silent from its start');
  });

  it('ignores an answer to a ping already answered', () => {
    const { clock, verdicts, ping } = pinged();
    ping.listened();
    clock.advance(6000);
    ping.answered(4);
    clock.advance(3000);
    // The ping of 8 s is out; an answer to the ping of 2 s, or a second one to that of 6 s, answers nothing.
    ping.answered(2);
    ping.answered(4);
    clock.advance(9000);
    assert.deepEqual(verdicts, [], 'at 18 s: 10 s since the ping of 8 s');
    clock.advance(2000);
    assert.deepEqual(verdicts, [12_000], 'at 20 s: 12 s since the ping of 8 s');
  });

  // Late reports (issue 21): before, silence was counted from the last answer, and a control
  // process held up for longer than the response time (a debugger, a long synchronous task) found
  // every front silent at its first check after it, though it had sent them nothing to answer.
  it('does not count the control process held up, with no ping out, as the front’s silence', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.answered(1);
    ping.listened();
    // Held up for 30 s: the ping due at 2 s is sent at 30 s, its verdict a turn later.
    clock.holdUp(30_000);
    clock.advance(0);
    assert.deepEqual(verdicts, [], 'nothing was asked of it meanwhile');
    // Its answer to the ping sent after the hold-up comes; then it hangs, and is found.
    ping.answered(pings.at(-1)!);
    clock.advance(14_000);
    assert.deepEqual(verdicts, [12_000]);
  });

  // The verdict waits a turn of the control's event loop after its timer: a control held up
  // with a ping out runs the timer first and reads the front's answer, which has waited in the
  // channel all along, after it. Judged in the timer itself, the front was silent for 30 s.
  it('reads an answer that waited in the channel while the control was held up before its verdict', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.answered(1);
    ping.listened();
    clock.advance(2000);
    assert.deepEqual(pings, [1, 2]);
    // The front answers ping 2 at once; the control is held up before it reads the answer.
    clock.holdUp(30_000);
    ping.answered(2);
    clock.advance(0);
    assert.deepEqual(verdicts, []);
    assert.deepEqual(pings, [1, 2, 3], 'and it pings on');
  });

  // Every ping not answered was kept (its send time) and written to the front's channel, which a
  // hung front does not read: at the extremes the schema allows (a ping every 50 ms, an hour's
  // response time, so three hours for a first answer), a front hung at its start had 216 000 of
  // each before its verdict. Failed before: every one of them was sent.
  it('keeps at most maxPingsOut pings out, however small the interval against the response time', () => {
    const clock = new SimulatedClock();
    const pings: number[] = [];
    const verdicts: number[] = [];
    const ping = pingFront({ clock, interval: () => 50, responseTime: () => 3_600_000, ping: (id) => pings.push(id), unresponsive: (silent) => verdicts.push(silent), notListening: () => verdicts.push(-1) });
    clock.advance(10_800_000);
    assert.equal(pings.length, maxPingsOut, 'no ping past the bound while none is answered');
    assert.deepEqual(verdicts, [], 'three response times for its first answer, from its start');
    clock.advance(50);
    assert.deepEqual(verdicts, [10_800_050], 'found as before: silent from the first ping');
    ping.stop();
  });

  it('pings on once the front answers the pings it kept out, and finds it silent from the first it has not answered', () => {
    const clock = new SimulatedClock();
    const pings: number[] = [];
    const verdicts: number[] = [];
    const ping = pingFront({ clock, interval: () => 50, responseTime: () => 1000, ping: (id) => pings.push(id), unresponsive: (silent) => verdicts.push(silent), notListening: () => verdicts.push(-1) });
    clock.advance(50 * maxPingsOut);
    assert.equal(pings.length, maxPingsOut);
    // A slow start: it reads them all at once, and answers the last but one.
    ping.answered(maxPingsOut - 1);
    clock.advance(50);
    assert.equal(pings.length, maxPingsOut + 1, 'one more out: the last is still out');
    ping.answered(maxPingsOut + 1);
    ping.listened();
    // Then it hangs: pinged on every 50 ms, and silent from the first ping after its last answer.
    clock.advance(1050);
    assert.deepEqual(verdicts, [], 'exactly the response time since the first ping it did not answer, 50 ms after its answer');
    assert.equal(pings.length, maxPingsOut + 22);
    clock.advance(50);
    assert.deepEqual(verdicts, [1050]);
  });

  it('stops', () => {
    const { clock, pings, verdicts, ping } = pinged();
    ping.stop();
    clock.advance(60_000);
    assert.deepEqual([pings.length, verdicts.length], [1, 0]);
  });
});
