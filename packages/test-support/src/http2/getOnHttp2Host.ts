import { once } from 'node:events';
import type http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

/**
 * Mounts a node:http request handler on an http2 server, as a JavaScript host may (the
 * compatibility API's objects are not node:http's, which TypeScript would refuse), GETs `path`
 * over HTTP/2, and closes both. What an embedded Portico answers there is a 505 that names the
 * fix (docs/embedding.md, The two functions).
 */
export async function getOnHttp2Host(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  path: string,
): Promise<{ readonly headers: http2.IncomingHttpHeaders; readonly body: string }> {
  const server = http2.createServer((req, res) => handler(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const stream = session.request({ ':path': path });
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    await once(stream, 'end');
    return { headers, body };
  } finally {
    session.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
