import { execFileSync } from 'node:child_process';

/**
 * The loopback TCP port a process listens on, from `ss`: a backend that Portico started tells
 * its port only to Portico, and the benches point the other proxies at that same process.
 */
export function listeningPort(pid: number): number {
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(`pid=${pid},`));
  const port = line === undefined ? undefined : /:(\d+)$/.exec(line.split(/\s+/)[3] ?? '')?.[1];
  if (port === undefined) throw new Error(`process ${pid} listens on no TCP port (ss -ltnp)`);
  return Number(port);
}
