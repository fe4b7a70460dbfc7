import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

/** A front's young generation, per semi-space in MiB: Node 20's largest, what a busy process grows to. */
export const FRONT_SEMI_SPACE_MIB = 16;

/**
 * Node's flag that keeps SIGUSR1 from opening the inspector, on the lines that have it (22.14,
 * 23.7 and later): a front ignores SIGUSR1 from its first line, but while it loads its modules
 * (some 50 ms of CPU) Node's own handler would still open the inspector to every local user.
 * Node 20 has no such flag; its fronts keep that window.
 */
const disableSigusr1 = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : [];

/** V8's semi-space flags as Node takes them (`-` or `_` between the words, a value after `=` or apart). */
const semiSpaceFlag = /^--(?:min|max)[-_]semi[-_]space[-_]size(?:=|$)/;

/**
 * The Node flags a front process is started with, after the control process's own (`execArgv`).
 *
 * `--min-semi-space-size`: V8 shrinks the young generation to its least at the first collection
 * after a few quiet seconds, and grows it back only as objects survive collections; a front's
 * objects are a request's and die young, and each front sees a fraction of the traffic, so under
 * load it stayed at 0.5–2 MiB a semi-space and collected ten times as often as at 16 MiB
 * (docs/proxy.md, Fronts). Held at 16 MiB, unless the operator started Portico with a
 * semi-space size of their own, which the fronts inherit.
 *
 * `--single-threaded-gc` (`frontGc`): V8 collects on the front's thread alone: N fronts already
 * keep N cores busy, so a collection's helper threads only take a core from another front, and a
 * collection that waits for a helper the kernel has not run yet lasts a time slice.
 *
 * `--disable-sigusr1` where the Node line has it: no inspector opened by a signal, from the start.
 */
export function frontNodeFlags(config: Pick<PorticoConfig, 'frontGc'>, execArgv: readonly string[] = process.execArgv): string[] {
  return [
    ...(execArgv.some((flag) => semiSpaceFlag.test(flag)) ? [] : [`--min-semi-space-size=${FRONT_SEMI_SPACE_MIB}`]),
    ...(config.frontGc === 'single-threaded' ? ['--single-threaded-gc'] : []),
    ...disableSigusr1,
  ];
}
