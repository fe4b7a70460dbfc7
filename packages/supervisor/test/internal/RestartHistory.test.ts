import assert from 'node:assert/strict';
import { RestartHistory } from '../../src/internal/RestartHistory.ts';

describe('RestartHistory', () => {
  it('admits intensity restarts within period seconds and refuses the next one', () => {
    const history = new RestartHistory({ intensity: 2, period: 5 });
    assert.deepEqual([history.admit(0), history.admit(1_000), history.admit(2_000)], [true, true, false]);
    assert.equal(history.count, 3);
  });

  // OTP's supervisor.erl keeps a restart while Now =< Then + Period: one exactly period ago is still
  // in the window. Before, it had left it here (the test said "as OTP does"), so crashes 5 s apart
  // with intensity 1 in 5 s were restarted for ever where OTP gives up at the second.
  it('keeps a restart exactly period ago in the window, as OTP does, and lets it leave a millisecond later', () => {
    const history = new RestartHistory({ intensity: 1, period: 5 });
    assert.equal(history.admit(0), true);
    assert.equal(history.inPeriod(5_000), 1);
    assert.equal(history.inPeriod(5_001), 0);
    assert.equal(history.admit(5_000), false, 'two restarts within [0, 5 000]');
    const later = new RestartHistory({ intensity: 1, period: 5 });
    assert.equal(later.admit(0), true);
    assert.equal(later.admit(5_001), true);
    assert.equal(later.count, 1, 'the restart that left the window is dropped');
  });

  it('counts the restarts within the window ending now, whatever the history holds', () => {
    const history = new RestartHistory({ intensity: 100, period: 10 });
    for (const at of [0, 1_000, 2_000, 9_000, 12_000, 15_000]) history.admit(at);
    // Each admit drops what left its window: 0, 1 000 and 2 000 are gone by 12 000.
    assert.equal(history.count, 3);
    assert.deepEqual([history.inPeriod(15_000), history.inPeriod(19_500), history.inPeriod(25_000), history.inPeriod(25_001)], [3, 2, 1, 0]);
  });

  it('puts a restart heard of late in its place in time, so it counts in the window it happened in', () => {
    const history = new RestartHistory({ intensity: 2, period: 5 });
    assert.equal(history.admit(1_000), true);
    assert.equal(history.admit(5_500), true);
    // Happened at 4 000, heard of after the one at 5 500: three within 4.5 s.
    assert.equal(history.admit(4_000), false);
    assert.equal(history.inPeriod(5_500), 3);
    assert.equal(history.inPeriod(9_300), 1, 'in order: 4 000 has left the window, 5 500 has not');
  });

  it('counts a restart more than a whole period older than the latest in no window', () => {
    const history = new RestartHistory({ intensity: 1, period: 5 });
    assert.equal(history.admit(10_000), true);
    assert.equal(history.admit(4_999), true);
    assert.equal(history.count, 1);
    assert.equal(history.admit(5_000), false, 'exactly a period older: in the window that ends at 10 000');
  });
});
