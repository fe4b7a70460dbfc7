import assert from 'node:assert/strict';
import { frontNodeFlags } from '../../src/fronts/frontNodeFlags.ts';

// A front's young generation is held at 16 MiB a semi-space: without it, V8 shrinks it to its
// least at the first collection after a quiet spell, and a front (a fraction of the traffic, few
// survivors) grows it back slowly: 0.5–2 MiB under load, ten times the young collections of
// 16 MiB (docs/proxy.md, Fronts, "A front's young generation").
/** What every front gets on a Node line with `--disable-sigusr1` (frontNodeFlags.e2e.test.ts holds what it does). */
const sigusr1 = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : [];

describe('frontNodeFlags', () => {
  it('holds the young generation at 16 MiB a semi-space with either collector', () => {
    assert.deepEqual(frontNodeFlags({ frontGc: 'single-threaded' }, []), ['--min-semi-space-size=16', '--single-threaded-gc', ...sigusr1]);
    assert.deepEqual(frontNodeFlags({ frontGc: 'parallel' }, []), ['--min-semi-space-size=16', ...sigusr1]);
  });

  it("leaves the young generation to the operator's own semi-space flag, which the fronts inherit from the control", () => {
    for (const own of ['--min-semi-space-size=4', '--max-semi-space-size=64', '--min_semi_space_size=4', '--max-semi-space-size']) {
      assert.deepEqual(frontNodeFlags({ frontGc: 'single-threaded' }, ['--enable-source-maps', own]), ['--single-threaded-gc', ...sigusr1], own);
    }
    // A flag that only contains the words is not one of them.
    assert.deepEqual(frontNodeFlags({ frontGc: 'parallel' }, ['--import=./max-semi-space-size.mjs']), ['--min-semi-space-size=16', ...sigusr1]);
  });
});
