import net from 'node:net';
import { RequestHeadParser, ResponseHeadParser } from '@portico/router';

/** Framing and hop-by-hop fields, which every proxy drops and writes again itself. */
const dropped = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** The fields a proxy passes on, as head lines: the parser checked them, so they are written as they are. */
function fieldLines(headers: ReadonlyArray<readonly [string, string]>): string {
  let text = '';
  for (const [name, value] of headers) if (!dropped.has(name)) text = `${text}${name}: ${value}\r\n`;
  return text;
}

/**
 * The floor of a strict HTTP/1.1 proxy written in Node: the bare relay (bareRelay.ts: one backend
 * connection per client connection, reads lent out of one buffer per direction, no timers) plus
 * what no strict proxy can leave out: each request head parsed and checked by Portico's parser
 * and written again for the backend, each response head parsed and checked and written again for
 * the client, as Portico writes them (latin1 text, the parsed fields not checked twice, a
 * response's head and body in one write). No routing, pooling, deadlines,
 * headers added, metrics or logs. Bodies: requests without one, responses with a Content-Length
 * that arrive with their head (the bench backend's); anything else closes the connection. A
 * bench's floor, never production code.
 */
export function parsingRelay(port: number): net.Server {
  const fromClient = Buffer.allocUnsafe(64 * 1024);
  const fromBackend = Buffer.allocUnsafe(64 * 1024);
  return net.createServer({ pauseOnConnect: true }, (accepted) => {
    const requests = new RequestHeadParser();
    const responses = new ResponseHeadParser();
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    const close = (): void => {
      client.destroy();
      backend.destroy();
    };
    const onRequest = (length: number): boolean => {
      const read = requests.push(fromClient.subarray(0, length));
      if (read.kind === 'error' || (read.kind === 'head' && (read.rest.length > 0 || read.head.body.kind !== 'none'))) close();
      else if (read.kind === 'head') backend.write(`${read.head.method} ${read.head.path} HTTP/1.1\r\n${fieldLines(read.head.headers)}\r\n`, 'latin1');
      return true;
    };
    const onResponse = (length: number): boolean => {
      const read = responses.push(fromBackend.subarray(0, length), 'GET');
      if (read.kind !== 'head' || read.head.body.kind !== 'length' || read.rest.length !== read.head.body.length) {
        if (read.kind !== 'incomplete') close();
        return true;
      }
      const { status, reason, headers, body } = read.head;
      client.write(`HTTP/1.1 ${status} ${reason}\r\n${fieldLines(headers)}content-length: ${body.length}\r\n\r\n${read.rest.toString('latin1')}`, 'latin1');
      return true;
    };
    const backend = net.connect({ port, host: '127.0.0.1', noDelay: true, onread: { buffer: fromBackend, callback: onResponse } } as net.NetConnectOpts);
    const client: net.Socket = new net.Socket({ handle, onread: { buffer: fromClient, callback: onRequest } } as net.SocketConstructorOpts);
    client.setNoDelay(true);
    backend.once('connect', () => client.resume());
    for (const socket of [client, backend]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
}
