import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@portico/test-support';

export interface Nginx {
  readonly port: number;
  /** The master process; its workers are its children. */
  readonly pid: number;
  /** Stops it gracefully and removes its directory. */
  stop(): Promise<void>;
}

/**
 * nginx with one worker (or `workers`), the reference in docs/architecture.md, or undefined when nginx is not
 * installed or does not come up. `http` is the body of its `http {}` block for a given listen
 * port (logging is already off).
 */
export async function startNginx(http: (port: number) => string, workers = 1): Promise<Nginx | undefined> {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-nginx-'));
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

/**
 * nginx set up as the benches compare Portico with: a reverse proxy to the backend on
 * `backendPort` with upstream keep-alive (as Portico's pool does), setting the headers Portico sets.
 * Neither side's connections end after a number of requests, as neither of Portico's does: with
 * nginx's default (`keepalive_requests 1000`) each client and backend connection is closed every
 * 1000 requests, which costs nginx reconnections in the latency figures and breaks the paced
 * generator's connections (it does not reconnect, and counts what they had due as failed).
 */
export function proxyPassTo(backendPort: number): (port: number) => string {
  return (port) => `  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 10000000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Portico-Token t;
    }
  }`;
}
