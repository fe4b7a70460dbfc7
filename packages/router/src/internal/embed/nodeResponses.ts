import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderPair } from '../../forward/ForwarderOptions.ts';
import { serializeResponseHead } from '../../http1/serializeResponseHead.ts';
import { cannedResponse, porticoResponse } from '../forward/cannedResponse.ts';
import { NO_BODY } from '../http1/framings.ts';
import { cannedAnswer, decidedAnswer, type PorticoAnswer } from '../policy/porticoAnswer.ts';

/** `[name, value]` pairs as the flat array node:http's `writeHead` takes, order and duplicates kept. */
export function flatten(headers: readonly HeaderPair[]): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) out.push(name, value);
  return out;
}

/**
 * Whether node:http handed the response's head to the client's socket. `headersSent` says only
 * that `writeHead` ran: node:http holds the head back to send it with the first body bytes, and a
 * reset before them sends the client nothing. `_headerSent` is node:http's own flag for that
 * (Node 20 to 26), read here only.
 */
export function headWritten(res: ServerResponse): boolean {
  return (res as ServerResponse & { readonly _headerSent?: boolean })._headerSent === true;
}

/**
 * The status node:http's server answered when it destroyed `socket` for a request it refused
 * itself (its default 'clientError' handler writes it while no head of the response went out):
 * 400 for a request its parser refused (a malformed chunked body: `HPE_*`), 408 for one its
 * `requestTimeout` ended; undefined when the socket closed for any other reason (the client
 * left). The error it was destroyed with is the socket's `errored`.
 */
export function serverRefusal(socket: Duplex): { readonly status: number; readonly reason: string } | undefined {
  const error = socket.errored as NodeJS.ErrnoException | null;
  const code = error?.code;
  if (code === undefined) return undefined;
  if (code.startsWith('HPE_')) return { status: 400, reason: `${code}, ${error!.message}` };
  return code === 'ERR_HTTP_REQUEST_TIMEOUT' ? { status: 408, reason: `${code}, ${error!.message}` } : undefined;
}

/**
 * Portico's own short answer (400, 502, 504, …) with `connection: close`, so the host's server
 * never reads an unread body as the next request (nginx CVE-2019-20372).
 */
export function refuse(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  write(res, cannedAnswer(status), true);
}

/** A response the dispatcher decided on: its headers checked, framed by Content-Length. */
export function respond(res: ServerResponse, status: number, headers: readonly HeaderPair[], body: string | undefined, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const answer = decidedAnswer(status, headers, body);
  try {
    // Checked with Portico's own rules first: node:http would throw mid-write on some of them.
    serializeResponseHead({ status, reason: answer.reason, headers: answer.headers, body: NO_BODY });
  } catch {
    return refuse(res, 500);
  }
  write(res, answer, close);
}

function write(res: ServerResponse, answer: PorticoAnswer, close: boolean): void {
  const payload = Buffer.from(answer.body, 'utf8');
  const headers = flatten(answer.headers);
  headers.push('content-length', String(payload.length));
  if ((res.req?.httpVersionMajor ?? 1) >= 2) {
    // An http2 server's compatibility response (the 505 for its requests): HTTP/2 has no reason
    // phrase and no Connection field, and Node warns of each on the host's stderr.
    res.writeHead(answer.status, Object.fromEntries(pairs(headers)));
  } else {
    if (close) headers.push('connection', 'close');
    res.writeHead(answer.status, answer.reason, headers);
  }
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}

function* pairs(flat: readonly string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
}

/**
 * A response the dispatcher decided on, written on a raw client socket (an upgrade's) and the
 * socket ended: its headers checked (a 500 when they cannot be written), `connection: close`.
 */
export function endWithAnswer(socket: Duplex, status: number, headers: readonly HeaderPair[], body: string | undefined): void {
  let bytes: Buffer;
  try {
    bytes = porticoResponse(decidedAnswer(status, headers, body), false, false, false);
  } catch {
    bytes = cannedResponse(500);
  }
  if (!socket.destroyed && socket.writable) socket.end(bytes);
  else socket.destroy();
}
