import { frontNodeFlags } from '@portico/portico';
import { GC_METER_FLAGS } from './gcFigures.ts';

/**
 * The Node flags of a Portico role process of bench:proxy-cores, after this process's own (which
 * `startRole` passes on): the GC meter, and with `hold` (PORTICO_BENCH_HOLD_SINGLE=1) and one
 * front, the flags Portico starts each front with (`frontNodeFlags`: the fronts' young generation
 * and, at `frontGc`, their collector), so that CPU per request compares one front and two like for
 * like with what ships. Fronts of a Portico with two get theirs from Portico itself.
 */
export function porticoRoleFlags(fronts: number, frontGc: 'single-threaded' | 'parallel', hold: boolean): string[] {
  const flags = [...GC_METER_FLAGS];
  // As Portico would: after the flags the process runs with, a semi-space size of the operator's own kept.
  if (fronts === 1 && hold) flags.push(...frontNodeFlags({ frontGc }, [...process.execArgv, ...flags]));
  return flags;
}
