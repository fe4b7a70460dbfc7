// What one hostile client can make a proxy hold and spend, against nginx in the same run
// (docs/proxy.md, What one client can take). Each target (Portico's forwarder, nginx with one
// worker) stands in front of the same node:http backend, each in its own process, and meets:
// - a pipelining flood: FLOODERS connections each write small pipelined GETs as fast as their
//   socket takes them and never read an answer; after FLOOD_SECONDS, the growth of the target's
//   RSS (from /proc, for both targets alike) per flooding connection;
// - a body of a million one-byte chunks (6 MB of chunked framing) POSTed in one go; the CPU
//   (user and system, from /proc) the target spent on it (the median of three, after two to warm
//   up), per decoded chunk;
// - and, during each (a second upload for this, so the probe's own requests are not counted in
//   the CPU figure), another client that sends a GET every PROBE_MS on its own keep-alive
//   connection: its worst latency.
// Ratios are to nginx. Targets: the body costs Portico under 100 ms of CPU, and the other
// client's worst latency stays under 20 ms.
// Run (after tsc -b): node --import tsx bench/attack.bench.ts [flood seconds] [flooding connections]
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { cpus } from 'node:os';
import { createForwarder } from '@portico/router';
import { childPids, cpuMs } from './support/processCpu.ts';
import { listenAndReport, startRole } from './support/roleProcess.ts';
import { startNginx } from './support/startNginx.ts';

const CHUNKS = 1_000_000;
const PROBE_MS = 5;
const PIPELINED = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n'.repeat(2048), 'latin1');
const role = process.argv[2];
process.on('SIGINT', () => process.exit(0));

if (role === 'backend') {
  // Answers a GET with a small body, and a POST with the count of body bytes it read.
  await listenAndReport(http.createServer((req, res) => {
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => res.end(req.method === 'POST' ? String(received) : 'hello world'));
  }));
} else if (role === 'portico') {
  const port = Number(process.argv[3]);
  const forwarder = createForwarder({ pickUpstream: () => ({ id: 'b', address: { host: '127.0.0.1', port }, token: 't' }) });
  // On request, what the forwarder holds after a full collection (run with --expose-gc): the V8
  // heap in use plus memory outside it (Buffers, queued socket writes). Twice, so the finalizers
  // that free memory outside the heap have run.
  process.on('message', () => {
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.send!(m.heapUsed + m.external);
  });
  await listenAndReport(net.createServer({ allowHalfOpen: true }, (s) => forwarder.handleConnection(s)));
} else {
  await main();
}

/** Resident memory of the processes, in bytes, from /proc. */
function rssBytes(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) kib += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kib * 1024;
}

/**
 * Another client: a GET every PROBE_MS on one keep-alive connection, each timed, until `stop`;
 * resolves with the worst latency in milliseconds and the number of answers.
 */
function probe(port: number): { readonly stop: () => Promise<{ worst: number; answers: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  let worst = 0;
  let answers = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
      worst = Math.max(worst, performance.now() - started);
      answers++;
      await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
      return { worst, answers };
    },
  };
}

/** A connection that writes pipelined GETs while its socket takes them and never reads. */
async function flood(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.pause();
  const write = (): void => {
    while (!socket.destroyed && socket.write(PIPELINED));
  };
  socket.on('drain', write);
  write();
  return socket;
}

/** POSTs CHUNKS one-byte chunks in one write; resolves with the count the backend answered. */
async function tinyChunks(port: number, body: Buffer): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  const answered = new Promise<number>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? NaN);
      if (end >= 0 && text.length - end - 4 >= length) resolve(Number(text.slice(end + 4, end + 4 + length)));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`upload closed before its answer: ${text.slice(0, 80)}`)));
  });
  answered.catch(() => {});
  socket.write('POST /up HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n');
  socket.write(body);
  const counted = await answered;
  socket.destroy();
  return counted;
}

/** What a Portico process holds after a full collection (its 'portico' role), or undefined for another target. */
async function retained(child: ChildProcess | undefined): Promise<number | undefined> {
  if (child === undefined) return undefined;
  const reply = once(child, 'message') as Promise<[number]>;
  child.send('held');
  return (await reply)[0];
}

interface Figures {
  readonly heldPerFlooder: number;
  /** Portico only: growth of what it holds after a full collection, per flooding connection. */
  readonly retainedPerFlooder: number | undefined;
  readonly floodWorst: number;
  readonly cpuPerChunkUs: number;
  readonly uploadCpuMs: number;
  readonly chunksWorst: number;
}

async function attack(port: number, pids: readonly number[], child: ChildProcess | undefined, body: Buffer, floodSeconds: number, flooders: number): Promise<Figures> {
  // Warm-up: the code paths compiled, backend connections pooled.
  for (let i = 0; i < 2; i++) await tinyChunks(port, body);
  const warm = probe(port);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await warm.stop();

  const retainedBefore = await retained(child);
  const before = rssBytes(pids);
  const floodProbe = probe(port);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < flooders; i++) sockets.push(await flood(port));
  await new Promise((resolve) => setTimeout(resolve, floodSeconds * 1000));
  const held = rssBytes(pids) - before;
  const retainedAfter = await retained(child);
  const { worst: floodWorst } = await floodProbe.stop();
  for (const s of sockets) s.destroy();

  // The median of three uploads, each after the last: /proc counts CPU in 10 ms ticks, and the
  // first bodies after start still run partly unoptimised code.
  const uploads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const cpuBefore = cpuMs(pids);
    const counted = await tinyChunks(port, body);
    uploads.push(cpuMs(pids) - cpuBefore);
    if (counted !== CHUNKS) throw new Error(`the backend counted ${counted} bytes, not ${CHUNKS}`);
  }
  const uploadCpuMs = uploads.sort((a, b) => a - b)[1]!;
  const chunksProbe = probe(port);
  await tinyChunks(port, body);
  const { worst: chunksWorst } = await chunksProbe.stop();
  const retainedPerFlooder = retainedAfter === undefined ? undefined : (retainedAfter - retainedBefore!) / flooders;
  return { heldPerFlooder: held / flooders, retainedPerFlooder, floodWorst, cpuPerChunkUs: (uploadCpuMs * 1000) / CHUNKS, uploadCpuMs, chunksWorst };
}

async function main(): Promise<void> {
  const floodSeconds = Number(process.argv[2] ?? 3);
  const flooders = Number(process.argv[3] ?? 20);
  const body = Buffer.from(`${'1\r\nx\r\n'.repeat(CHUNKS)}0\r\n\r\n`, 'latin1');
  const script = new URL(import.meta.url);
  const backend = await startRole(script, ['backend']);
  const portico = await startRole(script, ['portico', String(backend.port)], { ipc: true, nodeFlags: ['--expose-gc'] });
  const nginx = await startNginx((port) => `  upstream backend { server 127.0.0.1:${backend.port}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_request_buffering off;
      proxy_set_header Connection "";
    }
  }`);
  try {
    const targets = [
      { name: 'portico forwarder', port: portico.port, pids: [portico.child.pid!], child: portico.child },
      ...(nginx ? [{ name: 'nginx (1 worker)', port: nginx.port, pids: childPids(nginx.pid), child: undefined }] : []),
    ];
    const results: Figures[] = [];
    for (const t of targets) results.push(await attack(t.port, t.pids, t.child, body, floodSeconds, flooders));
    const reference = nginx ? results[1] : undefined;
    const ratio = (value: number, base: number | undefined): string => (base === undefined || base === 0 ? '-' : (value / base).toFixed(2));
    console.log(`${flooders} never-reading pipelining connections for ${floodSeconds} s; a body of ${CHUNKS} one-byte chunks; another client every ${PROBE_MS} ms. ${process.version}, ${cpus().length} CPUs`);
    console.log('target               KiB held/flooder  × nginx  worst other (flood)  × nginx  µs CPU/chunk  body CPU  × nginx  worst other (chunks)  × nginx');
    targets.forEach(({ name }, i) => {
      const r = results[i]!;
      console.log(
        `${name.padEnd(18)} ${(r.heldPerFlooder / 1024).toFixed(0).padStart(18)}  ${ratio(r.heldPerFlooder, reference?.heldPerFlooder).padStart(7)}  ${`${r.floodWorst.toFixed(1)} ms`.padStart(19)}  ${ratio(r.floodWorst, reference?.floodWorst).padStart(7)}  ${r.cpuPerChunkUs.toFixed(3).padStart(12)}  ${`${r.uploadCpuMs.toFixed(0)} ms`.padStart(8)}  ${ratio(r.uploadCpuMs, reference?.uploadCpuMs).padStart(7)}  ${`${r.chunksWorst.toFixed(1)} ms`.padStart(20)}  ${ratio(r.chunksWorst, reference?.chunksWorst).padStart(7)}`,
      );
    });
    const retainedKiB = results[0]!.retainedPerFlooder! / 1024;
    console.log(`portico forwarder after a full collection: ${retainedKiB.toFixed(0)} KiB held per flooding connection (RSS also counts V8's grown young generation and the allocator's free lists)`);
    console.log('targets: the body under 100 ms of Portico CPU; the other client\'s worst latency under 20 ms');
  } finally {
    for (const c of [backend, portico]) c.child.kill();
    await nginx?.stop();
  }
}
