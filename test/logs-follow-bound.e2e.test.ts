import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { request, startPortico, stopAllPorticos } from './helpers/portico.ts';
import { chattyBackend } from './helpers/porticoCli.ts';

// GET /logs/lines?follow=1 from a client that never reads, while an app floods its output: what
// the admin server holds for that connection is bounded, and the client is cut (docs/admin.md).

const MiB = 1024 * 1024;
/** What the flood makes the backend write: 12 MiB of 100-byte lines, about 20 MB as JSON lines. */
const FLOOD_REQUESTS = 3;
const FLOOD_BYTES_EACH = 4 * MiB;

const heapAfterCollection = (): number => {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().heapUsed;
};

/** The last line of the app's output kept by Portico, as the admin socket's /logs/lines gives it. */
async function lastLineKept(socketPath: string): Promise<string> {
  const [answer] = (await once(http.get({ socketPath, path: '/logs/lines?app=shop&lines=1' }), 'response')) as [http.IncomingMessage];
  let body = '';
  for await (const chunk of answer.setEncoding('utf8')) body += chunk as string;
  return body;
}

describe('GET /logs/lines?follow=1 from a client that never reads', function () {
  this.timeout(120_000);
  afterEach(stopAllPorticos);

  it('holds at most its bound for that connection while an app floods, and cuts the client', async function () {
    if (global.gc === undefined) this.skip();
    const { port, dir } = await startPortico({
      admin: { port: 0, socket: 'admin.sock' },
      apps: [{ name: 'shop', processPath: process.execPath, arguments: [chattyBackend], start: 'eager', shutdownTimeLimit: 5 }],
    });
    const socketPath = join(dir, 'admin.sock');
    await request(port, '/say?text=ready');

    // The hostile client reads the answer's head, so it is subscribed, and then nothing more.
    const hostile = net.connect(socketPath);
    await once(hostile, 'connect');
    hostile.write('GET /logs/lines?follow=1 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const [head] = (await once(hostile, 'data')) as [Buffer];
    assert.match(head.toString('latin1'), /^HTTP\/1\.1 200 /);
    hostile.pause();
    let hostileClosed = false;
    hostile.on('close', () => (hostileClosed = true));
    const before = heapAfterCollection();

    for (let i = 0; i < FLOOD_REQUESTS; i++) assert.equal((await request(port, `/flood?bytes=${FLOOD_BYTES_EACH}`)).status, 200);
    await request(port, '/say?text=flood-done');
    // The flood's answers alone do not say the follower has been offered every line: on a loaded
    // machine Portico was still reading the pipe when they came, and the hostile client, reading
    // by then, was never cut. A line is kept and handed to every follower in one call, so once
    // the last line kept is this one, the hostile follower has been offered the whole flood.
    while (!(await lastLineKept(socketPath)).includes('"line":"flood-done"')) await new Promise((resolve) => setTimeout(resolve, 20));
    const grown = heapAfterCollection() - before;

    // What the hostile client can still read is what was queued before it was cut; a client
    // that is not cut goes on getting lines, so reading stops at 8 MiB either way.
    let received = head.length;
    hostile.on('error', () => {});
    const ended = hostileClosed ? Promise.resolve() : new Promise<void>((resolve) => hostile.on('close', () => resolve()));
    hostile.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= 8 * MiB) hostile.destroy();
    });
    hostile.resume();
    await ended;
    const floodAsJson = FLOOD_REQUESTS * FLOOD_BYTES_EACH * 1.5;
    assert.ok(received < 8 * MiB, `the client got ${(received / MiB).toFixed(1)} MiB of about ${(floodAsJson / MiB).toFixed(0)} MiB before it was cut`);
    assert.ok(grown < 8 * MiB, `the heap grew by ${(grown / MiB).toFixed(1)} MiB`);
  });
});
