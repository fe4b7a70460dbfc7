import assert from 'node:assert/strict';
import { frontNodeFlags } from '@portico/portico';
import { GC_METER_FLAGS } from '../support/gcFigures.ts';
import { porticoRoleFlags } from '../support/porticoRoleFlags.ts';

// bench:proxy-cores compares one front (the single process) with two: held (PORTICO_BENCH_HOLD_SINGLE=1),
// the single process must run with the flags a front really runs with, or the benchmark measures
// a process that never ships. Failed before: it was given a semi-space flag of its own
// (`--min-semi-space-size=16`), without the fronts' collector (`--single-threaded-gc`).
describe('porticoRoleFlags', () => {
  it('starts the held single process with exactly the flags each front is started with', () => {
    for (const frontGc of ['single-threaded', 'parallel'] as const) {
      assert.deepEqual(porticoRoleFlags(1, frontGc, true), [...GC_METER_FLAGS, ...frontNodeFlags({ frontGc }, [...process.execArgv, ...GC_METER_FLAGS])], frontGc);
    }
  });

  it('adds only the GC meter otherwise: the fronts get their flags from Portico itself, and the single process runs as portico start runs it', () => {
    assert.deepEqual(porticoRoleFlags(2, 'single-threaded', true), GC_METER_FLAGS);
    assert.deepEqual(porticoRoleFlags(1, 'single-threaded', false), GC_METER_FLAGS);
  });
});
