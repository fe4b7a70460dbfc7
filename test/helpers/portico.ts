import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@portico/log-sink';
import { createPortico, resolveConfig, type Portico, type PorticoOptions } from '@portico/portico';

export const echoBackend = fileURLToPath(new URL('../fixtures/echo-backend.mjs', import.meta.url));

const running: Portico[] = [];

export interface Started {
  readonly portico: Portico;
  readonly port: number;
  readonly logs: Record<string, unknown>[];
  readonly dir: string;
}

/** Starts Portico in this process from a config object (listen on 127.0.0.1:0), logging to memory. */
export async function startPortico(input: Record<string, unknown>, baseDir?: string, options: Omit<PorticoOptions, 'logger'> = {}): Promise<Started> {
  const dir = baseDir ?? (await mkdtemp(join(tmpdir(), 'portico-e2e-')));
  const config = resolveConfig({ listen: [{ port: 0, host: '127.0.0.1' }], ...input }, { file: join(dir, 'portico.json'), baseDir: dir });
  const logs: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const portico = createPortico(config, { ...options, logger: createLogger({ destination, pretty: false, level: 'debug' }) });
  running.push(portico);
  const { listen: [address] } = await portico.start();
  return { portico, port: address!.port, logs, dir };
}

export async function stopAllPorticos(): Promise<void> {
  await Promise.all(running.splice(0).map((p) => p.stop()));
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function request(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const json = (reply: Reply) => JSON.parse(reply.body) as { pid: number; headers: Record<string, string>; rawHeaders: string[]; url: string; body: string };

export function app(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, processPath: process.execPath, arguments: [echoBackend], startupTimeLimit: 10, shutdownTimeLimit: 2, ...extra };
}

/** GET `path` of the admin endpoint on its unix socket (no token is asked there). */
export function admin(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: ${res.statusCode} ${body}`))));
      })
      .on('error', reject);
  });
}
