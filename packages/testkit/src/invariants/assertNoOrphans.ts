import type { SimulatedProcessHost } from '../SimulatedProcessHost.ts';
import { violated, type CheckOptions } from './violated.ts';

/** No simulated process, and no grandchild of one, is alive. */
export function assertNoOrphans(host: SimulatedProcessHost, options: CheckOptions = {}): void {
  const alive = host.alive();
  if (alive.length === 0) return;
  const rows = alive.map((p) => `pid=${p.pid} ${p.command}#${p.attempt} state=${p.state} grandchildren=${p.grandchildrenAlive} signals=[${p.signals.join(',')}]`);
  violated('no orphaned processes', `${alive.length} process(es) still alive:\n  ${rows.join('\n  ')}`, options);
}
