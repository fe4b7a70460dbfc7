import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort.ts';

export interface Nginx {
  readonly port: number;
  /** The master process; its workers are its children. */
  readonly pid: number;
  /** Stops it gracefully and removes its directory. */
  stop(): Promise<void>;
}

/**
 * nginx with one worker (or `workers`), the reference Portico is measured and tested against (the
 * benches, test/nginxDifferential.slow.test.ts), or undefined when nginx is not installed or does
 * not come up. `http` is the body of its `http {}` block for a given listen
 * port (logging is already off).
 */
export async function startNginx(http: (port: number) => string, workers = 1): Promise<Nginx | undefined> {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'portico-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes ${workers};
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
${http(port)}
}
`);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return { port, pid: child.pid!, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  return undefined;
}

