import http from 'node:http';
import type { HttpReply } from './HttpReply.ts';
import type { RequestTarget } from './RequestTarget.ts';

/**
 * One HTTP/1.1 request with its header fields as raw pairs, so a test can send duplicates, any
 * casing and latin1 byte strings (what a hostile client sends, what a backend must read as sent).
 * Raw pairs make node:http skip its default fields, so Host is added here, first; nothing else is.
 * Resolves once the whole body has arrived; `agent` is none (a connection of its own) unless given.
 */
export function rawRequest(
  target: RequestTarget,
  options: { readonly method?: string; readonly path: string; readonly headers?: readonly (readonly [string, string])[]; readonly agent?: http.Agent },
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...('port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath }),
      method: options.method ?? 'GET',
      path: options.path,
      headers: [['host', 'port' in target ? `127.0.0.1:${target.port}` : 'localhost'], ...(options.headers ?? [])].flat(),
      agent: options.agent ?? false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end();
  });
}
