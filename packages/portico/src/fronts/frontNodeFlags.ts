import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

/**
 * The Node flags a front process is started with, after the control process's own (`frontGc`).
 * With `single-threaded`, V8 collects on the front's thread alone: N fronts already keep N cores
 * busy, so a collection's helper threads only take a core from another front, and a collection
 * that waits for a helper the kernel has not run yet lasts a time slice (docs/proxy.md, Fronts).
 */
export function frontNodeFlags(config: Pick<PorticoConfig, 'frontGc'>): string[] {
  return config.frontGc === 'single-threaded' ? ['--single-threaded-gc'] : [];
}
