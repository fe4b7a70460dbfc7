import type { Portico } from '@portico/portico';
import { answered, changed, settled, startLoad, type LoadTally } from './load.ts';

/** The pid of the first app's ready worker, if it has one. */
export function readyPid(portico: Portico): number | undefined {
  return portico.status().apps[0]?.workers.find((w) => w.state === 'ready')?.pid;
}

/**
 * Runs `clients` loops of GETs to `port` (startLoad) while the first app's ready worker is killed
 * with SIGKILL `crashes` times, each time once its successor is ready; resolves with the tally
 * after 50 more answers. Each request meets one crash at most: the retry rule retries once
 * (docs/proxy.md), so a request retried onto the new worker must be over before that worker is
 * killed too.
 */
export async function crashUnderLoad(portico: Portico, port: number, crashes: number, clients: number): Promise<LoadTally> {
  await changed(portico, () => readyPid(portico) !== undefined);
  const load = startLoad(port, '/', clients);
  for (let crash = 0; crash < crashes; crash++) {
    await answered(load.tally, 50);
    const pid = readyPid(portico)!;
    process.kill(pid, 'SIGKILL');
    await changed(portico, () => readyPid(portico) !== undefined && readyPid(portico) !== pid);
    await settled(load.tally);
  }
  await answered(load.tally, 50);
  return load.stop();
}
