import assert from 'node:assert/strict';
import net from 'node:net';
import { createAdminServer, RequestMetrics, type AdminServer, type AppOutputLine } from '../../src/index.ts';
import { FakeAdminSource } from './FakeAdminSource.ts';

/** The fake source whose output the test writes, as a capture hands out the lines of each read. */
class FloodingSource extends FakeAdminSource {
  readonly #followers = new Set<(line: AppOutputLine) => void>();
  readonly #waiters = new Set<() => void>();
  readonly output = {
    recent: () => [],
    subscribe: (follower: (line: AppOutputLine) => void) => {
      this.#followers.add(follower);
      for (const waiter of this.#waiters) waiter();
      return () => this.#followers.delete(follower);
    },
  };

  /** Resolves once `count` followers have subscribed. */
  followers(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => this.#followers.size >= count && (this.#waiters.delete(check), resolve());
      this.#waiters.add(check);
      check();
    });
  }

  write(line: AppOutputLine): void {
    for (const follower of this.#followers) follower(line);
  }
}

/**
 * A follower on a raw socket that takes the chunked answer apart: each chunk is one write of the
 * admin server's (`res.write`), so their count is the writes it made for this follower.
 */
class ChunkCountingFollower {
  readonly socket: net.Socket;
  chunks = 0;
  readonly lines: string[] = [];
  #pending = Buffer.alloc(0);
  #inBody = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1', () => this.socket.write('GET /logs/lines?follow=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    this.socket.on('data', (data: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, data]);
      this.#parse();
    });
  }

  /** Resolves once `count` lines have come, rejects if the answer ends first. */
  receive(count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => this.lines.length >= count && resolve();
      this.socket.on('data', check);
      this.socket.on('close', () => reject(new Error(`the answer ended after ${this.lines.length} of ${count} lines`)));
      check();
    });
  }

  #parse(): void {
    if (!this.#inBody) {
      const end = this.#pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      assert.match(this.#pending.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 200 [\s\S]*transfer-encoding: chunked/i);
      this.#pending = this.#pending.subarray(end + 4);
      this.#inBody = true;
    }
    for (;;) {
      const sizeEnd = this.#pending.indexOf('\r\n');
      if (sizeEnd < 0) return;
      const size = Number.parseInt(this.#pending.subarray(0, sizeEnd).toString('latin1'), 16);
      if (this.#pending.length < sizeEnd + 2 + size + 2) return;
      const text = this.#pending.subarray(sizeEnd + 2, sizeEnd + 2 + size).toString('utf8');
      this.#pending = this.#pending.subarray(sizeEnd + 2 + size + 2);
      if (size === 0) continue;
      this.chunks++;
      assert.ok(text.endsWith('\n'), 'a chunk holds whole lines');
      this.lines.push(...text.slice(0, -1).split('\n'));
    }
  }
}

describe('createAdminServer GET /logs/lines?follow=1 during a flood', () => {
  let source: FloodingSource;
  let server: AdminServer;
  let port: number;
  beforeEach(async () => {
    source = new FloodingSource();
    server = createAdminServer({ source, metrics: new RequestMetrics(), port: 0 });
    port = (await server.start()).port;
  });
  afterEach(() => server.close());

  // Each line was one write, one chunk and one syscall per follower: a flood cost a write per line.
  it('sends the lines ready in one turn as one write per follower, complete and in order', async () => {
    const followers = [new ChunkCountingFollower(port), new ChunkCountingFollower(port)];
    await source.followers(2);
    source.write({ app: 'shop', worker: 'shop#1', pid: 1, stream: 'stdout', time: 0, line: 'start' });
    await Promise.all(followers.map((f) => f.receive(1)));

    const reads = 50;
    const linesPerRead = 100;
    for (let read = 0; read < reads; read++) {
      // One read of a capture's pipe hands its lines out in one turn; the next read comes later.
      for (let i = 0; i < linesPerRead; i++) source.write({ app: 'shop', worker: 'shop#1', pid: 1, stream: 'stdout', time: 0, line: `line ${read * linesPerRead + i}` });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const total = 1 + reads * linesPerRead;
    await Promise.all(followers.map((f) => f.receive(total)));
    for (const follower of followers) {
      const got = follower.lines.map((json) => (JSON.parse(json) as { line: string }).line);
      assert.deepEqual(got, ['start', ...Array.from({ length: reads * linesPerRead }, (_, i) => `line ${i}`)]);
      assert.ok(follower.chunks <= 1 + 2 * reads, `${follower.chunks} writes for ${total} lines`);
      follower.socket.destroy();
    }
  });
});
