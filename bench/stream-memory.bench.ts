// Memory while streaming large bodies through Portico's forwarder alone, in one run: a node:http
// backend that counts an uploaded body (`POST /up`) and streams a chunked download (`GET /down`,
// written with backpressure); the forwarder in front of it, sampling its own RSS every 50 ms and
// reporting over an IPC channel; and this process as the driver. After a warm-up and a full GC
// the forwarder's RSS is the baseline; then 1 GiB is uploaded (raw socket, Content-Length, written with
// backpressure), downloaded as fast as the driver reads, and downloaded by a reader throttled to
// 200 MiB/s (pause/resume), so the forwarder must hold the backend back instead of buffering.
// Each phase reports MiB/s (× the same transfer straight to the backend) and the peak RSS growth
// over the baseline. Each component runs in its own process, as in production.
// Run (after tsc -b): node --import tsx bench/stream-memory.bench.ts [MiB] [slow MiB/s]
import type { ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createForwarder } from '@portico/router';
import { listenAndReport, startRole } from './support/roleProcess.ts';

const MiB = 2 ** 20;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

const role = process.argv[2];
// Exit cleanly on SIGINT so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));

if (role === 'backend') {
  await listenAndReport(http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    if (req.method === 'POST' && url.pathname === '/up') {
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => {
        res.setHeader('content-type', 'text/plain');
        res.end(String(received));
      });
    } else if (req.method === 'GET' && url.pathname === '/down') {
      const total = Number(url.searchParams.get('bytes'));
      let sent = 0;
      res.setHeader('content-type', 'application/octet-stream');
      // No Content-Length: chunked, written only while write() says the socket keeps up.
      const write = (): void => {
        while (sent < total) {
          const n = Math.min(CHUNK.length, total - sent);
          sent += n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            res.once('drain', write);
            return;
          }
        }
        res.end();
      };
      write();
    } else {
      res.statusCode = 404;
      res.end();
    }
  }));
} else if (role === 'portico') {
  const port = Number(process.argv[3]);
  const forwarder = createForwarder({ pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port }, token: 't' }) });
  let peak = process.memoryUsage.rss();
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, 50);
  // 'baseline' collects garbage first (the process runs with --expose-gc) so the baseline does not
  // depend on how full the young generation happened to be; 'reset' starts a new peak from the
  // current RSS; 'peak' reports it.
  process.on('message', (message) => {
    if (message === 'baseline') globalThis.gc?.();
    const rss = process.memoryUsage.rss();
    if (message !== 'peak') peak = rss;
    process.send!({ rss, peak: Math.max(peak, rss) });
  });
  await listenAndReport(net.createServer({ allowHalfOpen: true }, (s) => forwarder.handleConnection(s)));
} else {
  await main();
}

async function memory(child: ChildProcess, command: 'baseline' | 'reset' | 'peak'): Promise<{ rss: number; peak: number }> {
  const reply = once(child, 'message') as Promise<[{ rss: number; peak: number }]>;
  child.send(command);
  return (await reply)[0];
}

/** Resolves when the socket drains; rejects if it fails or closes first. */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      socket.off('drain', onDrain).off('error', done).off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error('socket closed while writing'));
    socket.on('drain', onDrain).on('error', done).on('close', onClose);
  });
}

/** `POST /up` with a Content-Length body written with backpressure; returns the count the backend answered. */
async function upload(port: number, bytes: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let response = Buffer.alloc(0);
  const answered = new Promise<number>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      response = Buffer.concat([response, chunk]);
      const text = response.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? NaN);
      if (!text.startsWith('HTTP/1.1 200')) reject(new Error(`upload answered ${text.slice(0, text.indexOf('\r\n'))}`));
      else if (text.length - end - 4 >= length) resolve(Number(text.slice(end + 4, end + 4 + length)));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('upload connection closed before the answer')));
  });
  answered.catch(() => {});
  socket.write(`POST /up HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\n\r\n`);
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(CHUNK.length, bytes - sent);
    sent += n;
    if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) await drained(socket);
  }
  const counted = await answered;
  socket.destroy();
  return counted;
}

/** `GET /down`; with `rate` (bytes/s) the reader pauses whenever it is ahead of that rate. */
async function download(port: number, bytes: number, rate?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/down?bytes=${bytes}`, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
      const started = performance.now();
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (rate === undefined) return;
        const ahead = received / rate - (performance.now() - started) / 1000;
        if (ahead > 0.005) {
          res.pause();
          setTimeout(() => res.resume(), ahead * 1000);
        }
      });
      res.on('end', () => resolve(received));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function timed(what: string, bytes: number, run: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const got = await run();
  const seconds = (performance.now() - started) / 1000;
  if (got !== bytes) throw new Error(`${what}: expected ${bytes} bytes, got ${got}`);
  return bytes / MiB / seconds;
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 1024);
  const slowRate = Number(process.argv[3] ?? 200);
  const bytes = mib * MiB;
  const script = new URL(import.meta.url);
  const backend = await startRole(script, ['backend']);
  // --expose-gc so the forwarder can collect before its baseline reading.
  const portico = await startRole(script, ['portico', String(backend.port)], { ipc: true, nodeFlags: ['--expose-gc'] });
  try {
    // Warm-up: both directions through the forwarder and directly, 64 MiB each.
    for (const port of [portico.port, backend.port]) {
      await timed('warm-up upload', 64 * MiB, () => upload(port, 64 * MiB));
      await timed('warm-up download', 64 * MiB, () => download(port, 64 * MiB));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const baseline = (await memory(portico.child, 'baseline')).rss;

    const directUp = await timed('direct upload', bytes, () => upload(backend.port, bytes));
    const directDown = await timed('direct download', bytes, () => download(backend.port, bytes));

    const phases: Array<{ name: string; rate: number; direct?: number; peak: number; after: number }> = [];
    const phase = async (name: string, run: () => Promise<number>, direct?: number): Promise<void> => {
      await memory(portico.child, 'reset');
      const rate = await timed(name, bytes, run);
      const { rss, peak } = await memory(portico.child, 'peak');
      phases.push({ name, rate, ...(direct === undefined ? {} : { direct }), peak, after: rss });
    };
    await phase('upload', () => upload(portico.port, bytes), directUp);
    await phase('download, fast reader', () => download(portico.port, bytes), directDown);
    await phase(`download, ${slowRate} MiB/s reader`, () => download(portico.port, bytes, slowRate * MiB));

    console.log(`${mib} MiB through the forwarder, ${process.version}, ${cpus().length} CPUs; forwarder RSS after warm-up and a full GC ${(baseline / MiB).toFixed(1)} MiB`);
    console.log('phase                          MiB/s  × direct  peak RSS growth  RSS after');
    for (const p of phases) {
      const vsDirect = p.direct === undefined ? '-' : (p.rate / p.direct).toFixed(2);
      console.log(
        `${p.name.padEnd(28)} ${p.rate.toFixed(0).padStart(7)}  ${vsDirect.padStart(8)}  ${`${((p.peak - baseline) / MiB).toFixed(1)} MiB`.padStart(15)}  ${`${((p.after - baseline) / MiB).toFixed(1)} MiB`.padStart(9)}`,
      );
    }
    console.log(`direct (driver ↔ backend): upload ${directUp.toFixed(0)} MiB/s, download ${directDown.toFixed(0)} MiB/s; target: growth < 50 MiB`);
  } finally {
    for (const c of [backend, portico]) c.child.kill();
  }
}
