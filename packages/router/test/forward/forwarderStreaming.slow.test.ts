// Bodies stream with backpressure: a gigabyte through the forwarder in either direction keeps
// memory flat, because nothing buffers a whole body.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { closeAll, startHttpBackend, startProxy, upstreamAt } from './harness.ts';

const GiB = 1024 * 1024 * 1024;
// Buffering a whole body holds hundreds of MiB more than the same transfer without Portico;
// streaming holds a few socket buffers more.
const flat = 64 * 1024 * 1024;
const piece = Buffer.alloc(256 * 1024, 0x61);

/**
 * Samples the memory held in Buffers while `run` goes; returns the peak growth in bytes. Body
 * bytes live in Buffers, so a proxy that buffers a body shows here. Each sample collects garbage
 * first (mocha runs with --expose-gc), so what is measured is what is still referenced, not what
 * the collector has yet to free, which varies between Node versions and with the other suites
 * sharing the process.
 */
async function peakGrowth(run: () => Promise<void>): Promise<number> {
  global.gc?.();
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => {
    global.gc?.();
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
  }, 50);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

/**
 * The peak Buffer memory `transfer` holds through the forwarder beyond what it holds straight to
 * the backend, both run here one after the other. The test process also holds the backend's and
 * the client's own buffers, which differ between Node versions (Node 24's streams hold about
 * 50 MiB of their own in these transfers, Node 20's about 30), so only the difference is Portico's.
 */
async function growthOverDirect(name: string, transfer: (port: number) => Promise<void>, backendPort: number, proxyPort: number): Promise<number> {
  const direct = await peakGrowth(() => transfer(backendPort));
  const proxied = await peakGrowth(() => transfer(proxyPort));
  if (process.env.PORTICO_DEBUG_MEMORY) console.log(`${name} peak MiB: direct ${(direct / 1048576).toFixed(1)}, through Portico ${(proxied / 1048576).toFixed(1)}`);
  return proxied - direct;
}

async function writeAll(write: (b: Buffer) => boolean, drain: () => Promise<unknown>, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += piece.length) {
    if (!write(piece)) await drain();
  }
}

describe('forwarder streaming', function () {
  // A guard against a hang, not a speed check: each 1 GiB test moves 2 GiB (direct, then through
  // the forwarder), 12-30 s on a quiet 2-core machine and more than twice that on a busy one.
  this.timeout(180_000);
  afterEach(closeAll);

  it('streams a 1 GiB upload with flat memory', async () => {
    const backend = await startHttpBackend((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => {
        n += d.length;
        // A slower reader now and then, so backpressure has to travel back to the client.
        if (n % (32 * 1024 * 1024) < d.length) {
          req.pause();
          setTimeout(() => req.resume(), 5);
        }
      });
      req.on('end', () => res.end(String(n)));
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const upload = async (port: number): Promise<void> => {
      let received = '';
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.write(`POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: ${GiB}\r\nConnection: close\r\n\r\n`);
      await writeAll((b) => socket.write(b), () => once(socket, 'drain'), GiB);
      await once(socket, 'close');
      assert.ok(received.endsWith(`\r\n\r\n${GiB}`), received.slice(0, 200));
    };
    const growth = await growthOverDirect('upload', upload, backend.port, proxy.port);
    assert.ok(growth < flat, `Portico held ${(growth / 1048576).toFixed(1)} MiB more than a direct upload`);
  });

  it('streams a 1 GiB chunked download with flat memory, even to a slow reader', async () => {
    const backend = await startHttpBackend((_req, res) => {
      void writeAll((b) => res.write(b), () => once(res, 'drain'), GiB).then(() => res.end());
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const download = async (port: number): Promise<void> => {
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/down', agent: false }, (res) => {
          assert.equal(res.headers['transfer-encoding'], 'chunked');
          let paused = false;
          res.on('data', (d: Buffer) => {
            n += d.length;
            // Pause now and then so backpressure has to travel back to the backend.
            if (!paused && n % (16 * 1024 * 1024) < d.length) {
              paused = true;
              res.pause();
              setTimeout(() => {
                paused = false;
                res.resume();
              }, 10);
            }
          });
          res.on('end', resolve);
          res.on('error', reject);
        }).on('error', reject);
      });
      assert.equal(n, GiB);
    };
    const growth = await growthOverDirect('download', download, backend.port, proxy.port);
    assert.ok(growth < flat, `Portico held ${(growth / 1048576).toFixed(1)} MiB more than a direct download`);
  });

  it('delivers every byte intact to concurrent readers, slow and fast, whatever the framing', async () => {
    // Every backend connection reads into one shared buffer; a byte that reached a client from a
    // later read (another connection's, or this one's) would show here as a wrong digest.
    const bodies = Array.from({ length: 4 }, () => randomBytes(24 * 1024 * 1024));
    const backend = await startHttpBackend((req, res) => {
      const i = Number(req.url!.slice(1));
      const body = bodies[i]!;
      // Even ones with Content-Length, odd ones chunked (re-chunked by the forwarder).
      if (i % 2 === 0) res.setHeader('content-length', body.length);
      let at = 0;
      const pump = (): void => {
        while (at < body.length) {
          const end = Math.min(at + 100_000, body.length);
          const ok = res.write(body.subarray(at, end));
          at = end;
          if (!ok) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const proxy = await startProxy({ pickUpstream: () => upstreamAt(backend.port) });
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    const fetchBody = (i: number): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: proxy.port, path: `/${i}`, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => {
            chunks.push(d);
            // The first two read slowly, so their bytes wait in Portico while the others' reads go on.
            if (i < 2) {
              res.pause();
              setTimeout(() => res.resume(), 1);
            }
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        }).on('error', reject);
      });
    const received = await Promise.all(bodies.map((_, i) => fetchBody(i)));
    received.forEach((got, i) => {
      assert.equal(got.length, bodies[i]!.length, `response ${i}: length`);
      assert.equal(digest(got), digest(bodies[i]!), `response ${i}: content`);
    });
  });
});
