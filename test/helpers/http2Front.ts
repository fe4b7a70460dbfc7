// A front door as Portico builds it (createListener + createForwarder) in front of a recording
// node:http backend, on 127.0.0.1:0, for the HTTP/2 tests.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createListener, type ListenEntry, type Listener } from '@portico/listener';
import { createForwarder, type Forwarder, type ForwarderEvent, type ForwarderOptions } from '@portico/router';

const run = promisify(execFile);

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly complete: boolean;
}

export interface RecordingBackend {
  readonly port: number;
  /** Every request the backend parsed, in order (an aborted one with `complete: false`). */
  readonly seen: SeenRequest[];
  /** Every byte every connection sent, as latin1 text. */
  readonly bytes: () => string;
  close(): Promise<void>;
}

/** A node:http backend that records each request and answers `handler`'s way (default: 200 "ok:<method> <url>"). */
export async function startRecordingBackend(handler?: http.RequestListener): Promise<RecordingBackend> {
  const seen: SeenRequest[] = [];
  const raw: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    const record = (complete: boolean) => seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), complete });
    req.on('end', () => {
      record(true);
      if (handler) handler(req, res);
      else res.end(`ok:${req.method} ${req.url}`);
    });
    req.on('aborted', () => record(false));
    req.on('error', () => {});
  });
  server.on('connection', (socket) => socket.on('data', (d: Buffer) => raw.push(d.toString('latin1'))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    bytes: () => raw.join(''),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Front {
  readonly port: number;
  readonly forwarder: Forwarder;
  readonly events: ForwarderEvent[];
  close(): Promise<void>;
}

/** Portico's listener and socket forwarder for one entry, forwarding everything to `backendPort`. */
export async function startFront(entry: Omit<ListenEntry, 'port'>, backendPort: number, options: Partial<ForwarderOptions> = {}): Promise<Front> {
  const events: ForwarderEvent[] = [];
  const forwarder = createForwarder({
    pickUpstream: () => ({ id: `b${backendPort}`, address: { host: '127.0.0.1', port: backendPort }, token: 'pairing-token' }),
    proto: entry.tls ? 'https' : 'http',
    ...options,
    onEvent: (e) => events.push(e),
  });
  const listener: Listener = createListener({
    entries: [{ ...entry, port: 0, host: '127.0.0.1' }],
    handler: () => forwarder,
  });
  const [bound] = await listener.start();
  return {
    port: bound!.port,
    forwarder,
    events,
    close: async () => {
      // The listener's server closes once its connections are gone, which the forwarder's close ends.
      await Promise.all([listener.stopAccepting(), forwarder.close()]);
    },
  };
}

/** What an HTTP/2 attack test runs against; a test may replace any of the three with its own. */
export interface AttackScene {
  readonly backend: RecordingBackend;
  readonly front: Front;
  /**
   * An honest client on the front, connected: its answers show that the front still serves
   * others while an attack runs. Its own errors (the front closing its connection under the
   * attack) are not the test's.
   */
  readonly bystander: http2.ClientHttp2Session;
}

/** A recording backend answering `handler`'s way, a front for `entry` before it, and a bystander (`ca` for a TLS entry). */
export async function startAttackScene(entry: Omit<ListenEntry, 'port'>, options: Partial<ForwarderOptions> = {}, handler?: http.RequestListener, ca?: string): Promise<AttackScene> {
  const backend = await startRecordingBackend(handler);
  const front = await startFront(entry, backend.port, options);
  const bystander = http2.connect(`${entry.tls ? 'https' : 'http'}://127.0.0.1:${front.port}`, { ca });
  bystander.on('error', () => {});
  await once(bystander, 'connect');
  return { backend, front, bystander };
}

/** Ends a scene: the bystander, then the front, then the backend. */
export async function endAttackScene({ backend, front, bystander }: AttackScene): Promise<void> {
  bystander.destroy();
  await front.close();
  await backend.close();
}

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
  readonly certPem: string;
  remove(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 in a temporary folder. */
export async function testCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-h2-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2']);
  return { cert, key, certPem: await readFile(cert, 'utf8'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface Http2Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request on `session`, its whole answer. */
export function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer | string): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let status = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = h;
    });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

/** A client's masked WebSocket text frame (RFC 6455 §5.2), for a payload under 126 bytes. */
export function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}
