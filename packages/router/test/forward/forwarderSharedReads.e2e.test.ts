import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import tls from 'node:tls';
import { closeAll, signal, startHttpBackend, startProxy, upstreamAt } from './harness.ts';

// The forwarder reads its clients' sockets into one buffer that every connection shares, lent to
// the connection for one read (readIntoSharedBuffer). What a connection keeps past that read (a
// partial head, a pipelined request held until the response before it is done, body bytes queued
// for a backend that reads late or not yet connected) must be its own copy: a view would be
// overwritten by the next read of any connection. Each test here runs several connections whose
// reads alternate, and checks every byte each one delivered.

/** What the echo backend answers: the request as it arrived, so the client can check it. */
const echo = (req: http.IncomingMessage, body: string): string => `${req.method} ${req.url} ${req.headers['x-tag']} ${body.length} ${body}`;

/**
 * Reads `count` responses (each framed by Content-Length, as the echo backend's are) from
 * `socket` and resolves with their bodies in order.
 */
function readResponses(socket: net.Socket, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const bodies: string[] = [];
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      for (;;) {
        const headEnd = text.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text.slice(0, headEnd + 2));
        if (length === null) return reject(new Error(`a response without Content-Length: ${text.slice(0, headEnd)}`));
        const end = headEnd + 4 + Number(length[1]);
        if (text.length < end) return;
        bodies.push(text.slice(headEnd + 4, end));
        text = text.slice(end);
        if (bodies.length === count) {
          socket.off('data', onData);
          socket.off('close', onClose);
          return resolve(bodies);
        }
      }
    };
    const onClose = (): void => reject(new Error(`the connection closed after ${bodies.length} of ${count} responses`));
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/**
 * An echo backend that reads no body until `count` request heads are in (`allArrived`) and the
 * test says so (`release`): what the proxy writes for each waits in its socket's queue meanwhile,
 * while the other connections' reads land.
 */
async function lateReadingBackend(count: number) {
  const release = signal();
  const allArrived = signal();
  let arrived = 0;
  const backend = await startHttpBackend((req, res) => {
    if (++arrived === count) allArrived.fire();
    void release.promise.then(async () => {
      let body = '';
      req.setEncoding('latin1');
      for await (const piece of req) body += piece as string;
      res.end(echo(req, body));
    });
  });
  return { backend, allArrived, release };
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

/** A turn of the event loop, so the proxy reads what was written so far as its own read. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Bytes that tell their connection and position apart: `tag`, then a counter, repeated. */
function patterned(tag: string, length: number): string {
  const cycle = Array.from({ length: 1000 }, (_, i) => `${tag}${i};`).join('');
  return cycle.repeat(Math.ceil(length / cycle.length)).slice(0, length);
}

/**
 * `data` as a chunked body: `tiny` chunks of 1 to 9 bytes, then chunks of 100 000 bytes, so that
 * a read inside one of those is handed on as a view of that read.
 */
function chunked(data: string, tiny: number): string {
  let out = '';
  for (let at = 0, n = 0; at < data.length; n++) {
    const size = n < tiny ? (n % 9) + 1 : 100_000;
    const piece = data.slice(at, at + size);
    out += `${piece.length.toString(16)}\r\n${piece}\r\n`;
    at += size;
  }
  return `${out}0\r\n\r\n`;
}

/** A self-signed certificate for 127.0.0.1 and its key, as PEM text (needs openssl). */
function selfSigned(): { readonly cert: string; readonly key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portico-shared-reads-'));
  try {
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '2'], { stdio: 'ignore' });
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `bytes` in 64 KiB pieces as `socket` takes them; resolves once all are written. */
async function writeAll(socket: Writable, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    if (!socket.write(bytes.subarray(at, at + 64 * 1024))) await once(socket, 'drain');
  }
}

/** Hashes what `socket` sends: the first `count` bytes after its head (up to the empty line) when `head`, else from the start. */
function hashFrom(socket: net.Socket, count: number, head: boolean): Promise<string> {
  const hash = createHash('sha256');
  let headText: string | undefined = head ? '' : undefined;
  let left = count;
  return new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      let bytes = chunk;
      if (headText !== undefined) {
        const text = headText + bytes.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) {
          headText = text;
          return;
        }
        if (!/^HTTP\/1\.1 (200|101) /.test(text)) return reject(new Error(`unexpected answer: ${text.slice(0, end)}`));
        bytes = bytes.subarray(end + 4 - headText.length);
        headText = undefined;
      }
      hash.update(bytes);
      left -= bytes.length;
      if (left < 0) return reject(new Error(`${-left} bytes more than were sent`));
      if (left > 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(hash.digest('hex'));
    };
    const onClose = (): void => reject(new Error(`closed with ${left} of ${count} bytes still to come`));
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

describe('forwarder reads lent from a shared buffer', () => {
  afterEach(closeAll);

  it('relays 2 MiB bodies of three connections at once (two by length, one chunked) to a backend that reads them late, each intact', async () => {
    const { backend, allArrived, release } = await lateReadingBackend(3);
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const size = 2 * 1024 * 1024;
    const tags = ['a', 'b', 'c'];
    const bodies = tags.map((tag) => patterned(tag, size));
    const clients = await Promise.all(tags.map(() => connect(proxy.port)));
    const answers = clients.map((client) => readResponses(client, 1));
    for (const [i, client] of clients.entries()) {
      // The third in chunks of 100 000 bytes: a read inside one is handed on as a view of that read.
      const framing = i < 2 ? `Content-Length: ${size}` : 'Transfer-Encoding: chunked';
      client.write(`POST /${tags[i]} HTTP/1.1\r\nHost: a\r\nX-Tag: ${tags[i]}\r\n${framing}\r\n\r\n`);
      client.write(i < 2 ? bodies[i]! : chunked(bodies[i]!, 0), 'latin1');
    }
    await allArrived.promise;
    release.fire();
    const got = await Promise.all(answers);
    for (const [i, tag] of tags.entries()) {
      assert.ok(got[i]![0] === `POST /${tag} ${tag} ${size} ${bodies[i]}`, `connection ${tag}: ${got[i]![0]!.slice(0, 80)}…`);
    }
    for (const client of clients) client.destroy();
  });

  it('relays chunked bodies of 200 000 tiny chunks and then 1 MB in large ones from three connections at once, each intact', async () => {
    const { backend, allArrived, release } = await lateReadingBackend(3);
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const tags = ['a', 'b', 'c'];
    const data = tags.map((tag) => patterned(tag, 2_000_000));
    const framed = data.map((text) => chunked(text, 200_000));
    const clients = await Promise.all(tags.map(() => connect(proxy.port)));
    const answers = clients.map((client) => readResponses(client, 1));
    for (const [i, client] of clients.entries()) client.write(`POST /${tags[i]} HTTP/1.1\r\nHost: a\r\nX-Tag: ${tags[i]}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    // In pieces of 1 byte to 64 KiB that split chunk sizes, data and CRLFs anywhere, the three
    // connections' pieces alternating, with a turn of the event loop now and then.
    let step = 0;
    for (let at = 0; framed.some((text) => at < text.length); step++) {
      const size = 1 + ((step * 7919) % 65536);
      for (const [i, client] of clients.entries()) if (at < framed[i]!.length) client.write(framed[i]!.slice(at, at + size), 'latin1');
      at += size;
      if (step % 8 === 0) await turn();
    }
    await allArrived.promise;
    release.fire();
    const got = await Promise.all(answers);
    for (const [i, tag] of tags.entries()) {
      assert.ok(got[i]![0] === `POST /${tag} ${tag} ${data[i]!.length} ${data[i]}`, `connection ${tag}: ${got[i]![0]!.slice(0, 80)}…`);
    }
    for (const client of clients) client.destroy();
  });

  it('answers 300 pipelined requests on each of three connections in order, written in pieces that split them anywhere', async () => {
    // The backend answers each request a turn late, so what follows it waits unread in the proxy
    // (pipelined bytes are held until the response before them is done) while other reads land.
    const backend = await startHttpBackend((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (piece: string) => (body += piece));
      req.on('end', () => setImmediate(() => res.end(echo(req, body))));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const tags = ['a', 'b', 'c'];
    const count = 300;
    const expected = tags.map(() => [] as string[]);
    const streams = tags.map((tag, t) => {
      let text = '';
      for (let i = 0; i < count; i++) {
        const path = `/${tag}/${i}`;
        const body = i % 3 === 0 ? '' : patterned(`${tag}${i}-`, (i * 37) % 500);
        if (i % 3 === 0) text += `GET ${path} HTTP/1.1\r\nHost: a\r\nX-Tag: ${tag}${i}\r\n\r\n`;
        else if (i % 3 === 1) text += `POST ${path} HTTP/1.1\r\nHost: a\r\nX-Tag: ${tag}${i}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        else text += `POST ${path} HTTP/1.1\r\nHost: a\r\nX-Tag: ${tag}${i}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(body, Infinity)}`;
        expected[t]!.push(`${i % 3 === 0 ? 'GET' : 'POST'} ${path} ${tag}${i} ${body.length} ${body}`);
      }
      return text;
    });
    const clients = await Promise.all(tags.map(() => connect(proxy.port)));
    const answers = clients.map((client) => readResponses(client, count));
    let step = 0;
    for (let at = 0; streams.some((s) => at < s.length); step++) {
      const size = 1 + ((step * 613) % 1500);
      for (const [i, client] of clients.entries()) if (at < streams[i]!.length) client.write(streams[i]!.slice(at, at + size), 'latin1');
      at += size;
      await turn();
    }
    const got = await Promise.all(answers);
    for (const [i, tag] of tags.entries()) assert.deepEqual(got[i], expected[i], `connection ${tag}`);
    for (const client of clients) client.destroy();
  });

  it('reads a head split at every byte, on two connections whose pieces alternate', async () => {
    const backend = await startHttpBackend((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (piece: string) => (body += piece));
      req.on('end', () => res.end(echo(req, body)));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const tags = ['a', 'b'];
    const heads = tags.map((tag) => `POST /${tag}/split HTTP/1.1\r\nHost: a\r\nX-Tag: ${patterned(tag, 40)}\r\nAccept: ${patterned(tag, 30)}\r\nContent-Length: 5\r\n\r\n${tag.repeat(5)}`);
    const clients = await Promise.all(tags.map(() => connect(proxy.port)));
    for (let split = 1; split < heads[0]!.length; split++) {
      const answers = clients.map((client) => readResponses(client, 1));
      for (const [i, client] of clients.entries()) client.write(heads[i]!.slice(0, split), 'latin1');
      await turn();
      for (const [i, client] of clients.entries()) client.write(heads[i]!.slice(split), 'latin1');
      const got = await Promise.all(answers);
      for (const [i, tag] of tags.entries()) assert.equal(got[i]![0], `POST /${tag}/split ${patterned(tag, 40)} 5 ${tag.repeat(5)}`, `connection ${tag}, split at ${split}`);
    }
    for (const client of clients) client.destroy();
  });

  it('sends the body that came with the head to a backend connection still being opened, intact', async () => {
    // Every request opens a new backend connection (none idle: maxIdlePerUpstream 0), and its
    // body, read with its head, waits for the connect while the other connections' reads land.
    const backend = await startHttpBackend((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (piece: string) => (body += piece));
      req.on('end', () => res.end(echo(req, body)));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port), maxIdlePerUpstream: 0 });
    const tags = ['a', 'b', 'c', 'd'];
    const clients = await Promise.all(tags.map(() => connect(proxy.port)));
    for (let round = 0; round < 20; round++) {
      const bodies = tags.map((tag) => patterned(`${tag}${round}-`, 3000));
      const answers = clients.map((client) => readResponses(client, 1));
      for (const [i, client] of clients.entries()) {
        client.write(`PUT /${tags[i]} HTTP/1.1\r\nHost: a\r\nX-Tag: ${tags[i]}\r\nContent-Length: ${bodies[i]!.length}\r\n\r\n${bodies[i]}`, 'latin1');
      }
      const got = await Promise.all(answers);
      for (const [i, tag] of tags.entries()) assert.ok(got[i]![0] === `PUT /${tag} ${tag} 3000 ${bodies[i]}`, `connection ${tag}, round ${round}: ${got[i]![0]!.slice(0, 80)}…`);
    }
    for (const client of clients) client.destroy();
  });

  it('relays bodies both ways at once on 16 connections, plain and TLS, exchanges and tunnels, each byte intact (client and backend reads share one buffer)', async () => {
    // Client sockets and backend connections read into one buffer (sharedReadBuffer.ts). Each
    // connection uploads to the backend while the backend sends it a body of its own, so client
    // reads and backend reads alternate; TLS clients (read by Node's TLS layer, never into the
    // buffer) mix with plain ones. One connection of each kind but one reads its download late,
    // only once its upload is written: what the proxy writes it waits in the proxy's queue while
    // that connection's upload is read into the same buffer. A view of the buffer kept past its
    // read would be overwritten by the next read of any socket, and shows as a wrong hash.
    const kinds = [
      ...Array.from({ length: 6 }, (_, i) => ({ secure: false, tunnel: false, late: i === 0 })),
      ...Array.from({ length: 4 }, (_, i) => ({ secure: true, tunnel: false, late: i === 0 })),
      ...Array.from({ length: 4 }, (_, i) => ({ secure: false, tunnel: true, late: i === 0 })),
      ...Array.from({ length: 2 }, () => ({ secure: true, tunnel: true, late: false })),
    ];
    // A late reader's download is more than the socket buffers on its way take (about 10 MiB
    // here), so the proxy's queue to it does fill while its 8 MiB upload is read.
    const flows = kinds.map(({ late }) => ({ up: randomBytes(late ? 8 << 20 : 1 << 20), down: randomBytes(late ? 24 << 20 : 1 << 20) }));
    /** The hash of each connection's upload, as its backend side read it to the end. */
    const uploaded = new Map<number, Promise<string>>();
    const hashToEnd = (i: number, from: Readable, head: Buffer): Promise<string> => {
      const hash = createHash('sha256').update(head);
      const whole = new Promise<string>((resolve) => from.on('data', (piece: Buffer) => hash.update(piece)).on('end', () => resolve(hash.digest('hex'))));
      uploaded.set(i, whole);
      return whole;
    };
    const backend = await startHttpBackend((req, res) => {
      const i = Number(req.url!.split('/')[2]);
      const whole = hashToEnd(i, req, Buffer.alloc(0));
      const { down } = flows[i]!;
      res.writeHead(200, { 'content-length': down.length });
      // The download's last byte waits for the upload's end: a response complete before its
      // request would close the client connection and drop the rest of the upload.
      void writeAll(res as unknown as Writable, down.subarray(0, -1))
        .then(() => whole)
        .then(() => res.end(down.subarray(-1)));
    });
    backend.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const i = Number(req.url!.split('/')[2]);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
      void hashToEnd(i, socket, head).then(() => socket.end());
      void writeAll(socket, flows[i]!.down);
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const tlsServer = tls.createServer({ ...selfSigned(), allowHalfOpen: true }, (socket) => proxy.forwarder.handleConnection(socket));
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const tlsPort = (tlsServer.address() as net.AddressInfo).port;
    const sockets: net.Socket[] = [];
    try {
      const runs = await Promise.all(kinds.map(async ({ secure, tunnel, late }, i) => {
        const socket = secure ? tls.connect({ port: tlsPort, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(proxy.port, '127.0.0.1');
        sockets.push(socket);
        socket.setNoDelay(true);
        await once(socket, secure ? 'secureConnect' : 'connect');
        const { up, down } = flows[i]!;
        socket.write(tunnel
          ? `GET /ws/${i} HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`
          : `POST /up/${i} HTTP/1.1\r\nHost: a\r\nContent-Length: ${up.length}\r\n\r\n`);
        if (late) socket.pause();
        const downloaded = hashFrom(socket, down.length, true);
        await writeAll(socket, up);
        socket.resume();
        // A tunnel's backend hears the end of the upload by the client's FIN, once all is downloaded.
        const got = await downloaded;
        if (tunnel) socket.end();
        return { name: `${secure ? 'TLS' : 'plain'} ${tunnel ? 'tunnel' : 'exchange'} ${i}${late ? ' (read late)' : ''}`, i, got };
      }));
      for (const { name, i, got } of runs) {
        assert.equal(got, sha256(flows[i]!.down), `${name}: download`);
        assert.equal(await uploaded.get(i), sha256(flows[i]!.up), `${name}: upload`);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      tlsServer.close();
    }
  });
});
