import net from 'node:net';
import tls from 'node:tls';

/** A response as it came off the wire: every header line in order, names as sent. */
export interface RawReply {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

export interface RawRequestOptions {
  readonly method?: string;
  readonly path?: string;
  /** Header lines exactly as written, repeats and odd spellings included (`x_portico_user`). */
  readonly headers?: readonly (readonly [string, string])[];
  /** Leave out the `Connection: close` line, for an upgrade; true by default on the last request. */
  readonly close?: boolean;
}

export interface RawConnectionOptions {
  /** Speak TLS; `cert`/`key` present a client certificate. The server's certificate is not checked. */
  readonly tls?: { readonly cert?: string; readonly key?: string };
  /** Write every request at once instead of each after the previous answer. */
  readonly pipelined?: boolean;
}

/** Every value of a header in a reply, by case-insensitive name. */
export const headerValues = (reply: RawReply, name: string): string[] =>
  reply.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

/**
 * One HTTP/1.1 request written by hand. `node:http` folds header names to lower case and refuses
 * repeated names, so it cannot send the spellings a spoofing client would; this can. A separate
 * `Connection: close` line is added unless `close: false`, which also exercises Portico's handling
 * of several `Connection` lines. The reply ends at its Content-Length, its last chunk, or (for a
 * 101) when the server closes the connection.
 */
export async function authRawRequest(port: number, request: RawRequestOptions = {}, connection: RawConnectionOptions = {}): Promise<RawReply> {
  const [reply] = await authRawRequests(port, [request], connection);
  return reply!;
}

/** Several requests on one kept-alive connection, in order; only the last asks to close it. */
export function authRawRequests(port: number, requests: readonly RawRequestOptions[], connection: RawConnectionOptions = {}): Promise<RawReply[]> {
  const heads = requests.map((request, index) => {
    const lines = [`${request.method ?? 'GET'} ${request.path ?? '/'} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
    for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
    if (request.close ?? index === requests.length - 1) lines.push('Connection: close');
    lines.push('', '');
    return lines.join('\r\n');
  });
  return new Promise((resolve, reject) => {
    const socket = connection.tls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...connection.tls })
      : net.connect({ host: '127.0.0.1', port });
    const replies: RawReply[] = [];
    let received = Buffer.alloc(0);
    let done = false;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(error);
    };
    const take = (ended: boolean) => {
      while (!done) {
        const parsed = parseReply(received, ended);
        if (parsed === undefined) {
          if (ended) fail(new Error(`the connection closed before response ${replies.length + 1} arrived: ${JSON.stringify(received.toString('latin1'))}`));
          return;
        }
        replies.push(parsed.reply);
        received = received.subarray(parsed.used);
        if (replies.length === requests.length) {
          done = true;
          socket.destroy();
          resolve(replies);
          return;
        }
        if (!connection.pipelined) socket.write(heads[replies.length]!, 'latin1');
      }
    };
    socket.once(connection.tls ? 'secureConnect' : 'connect', () => socket.write(connection.pipelined ? heads.join('') : heads[0]!, 'latin1'));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      take(false);
    });
    socket.on('end', () => take(true));
    socket.on('close', () => take(true));
    socket.on('error', fail);
  });
}

/** The first reply once it is complete (Content-Length, chunked framing, or the end of the connection) and the bytes it took. */
function parseReply(data: Buffer, ended: boolean): { reply: RawReply; used: number } | undefined {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers = headerLines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()] as const;
  });
  const start = split + 4;
  const rest = data.subarray(start);
  const get = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  if (/chunked/i.test(get('transfer-encoding') ?? '')) {
    const body: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) {
        // No trailers are expected: the last chunk is `0\r\n\r\n`.
        if (rest.length < eol + 4) return undefined;
        return { reply: { status, headers, body: Buffer.concat(body).toString('utf8') }, used: start + eol + 4 };
      }
      if (rest.length < eol + 2 + size + 2) return undefined;
      body.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const length = get('content-length');
  if (length !== undefined) {
    const size = Number(length);
    return rest.length >= size ? { reply: { status, headers, body: rest.subarray(0, size).toString('utf8') }, used: start + size } : undefined;
  }
  return ended ? { reply: { status, headers, body: rest.toString('utf8') }, used: data.length } : undefined;
}
