import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { drivePacedLoad } from '../support/drivePacedLoad.ts';

// bench:proxy-cores' equal-load phase offers each proxy the same fixed rate with this generator.
// Real servers on port 0; the figures asserted are bounds that a slower (loaded) machine can only
// push further the same way.

async function listening(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('drivePacedLoad', () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const serve = (server: net.Server): Promise<number> => {
    servers.push(server);
    return listening(server);
  };

  it('sends rate × seconds requests and counts every answer', async () => {
    const port = await serve(http.createServer((_req, res) => res.end('hello world')));
    const run = await drivePacedLoad({ port, rate: 2000, seconds: 0.25, connections: 10 });
    assert.equal(run.requests, 500);
    assert.equal(run.answered, 500);
    assert.equal(run.errors, 0);
    assert.equal(run.offered, 2000);
    assert.ok(run.p50 > 0 && run.p50 <= run.p99 && run.p99 <= run.max, `percentiles out of order: ${JSON.stringify(run)}`);
    // Its own CPU, split, and (Linux) how often its main thread ran and how long it waited for a CPU.
    assert.ok(run.cpuMs.user > 0, `no user time counted: ${JSON.stringify(run)}`);
    if (process.platform === 'linux') {
      assert.ok(run.schedule !== undefined && run.schedule.wakeUps > 0 && run.schedule.runQueueMs >= 0, `no schedule counted: ${JSON.stringify(run)}`);
    }
  });

  it('opens every connection before it is ready, sends nothing until then, and runs its whole schedule from then', async () => {
    let requests = 0;
    let lastArrival = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      lastArrival = performance.now();
      res.end('hello world');
    });
    const port = await serve(server);
    let accepted = 0;
    const allAccepted = new Promise<void>((resolve) =>
      server.on('connection', () => {
        if (++accepted === 5) resolve();
      }),
    );
    let requestsWhenReady: number | undefined;
    let readyAt = 0;
    const ready = async (): Promise<void> => {
      // Connected on the generator's side; the server sees them once its turn of the loop comes.
      await allAccepted;
      requestsWhenReady = requests;
      // A bench that takes its time to get ready (reading CPU figures, starting meters): the
      // schedule must start after it, not catch up on requests that fell due meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 50));
      readyAt = performance.now();
    };
    const run = await drivePacedLoad({ port, rate: 1000, seconds: 0.1, connections: 5 }, ready);
    assert.equal(requestsWhenReady, 0);
    assert.equal(run.answered, 100);
    // Request j is due (rate 1000) j ms after the start, which is after ready: the 100th cannot
    // arrive before 99 ms past it. A schedule started before ready would have sent it about
    // 50 ms sooner, in a burst of the requests due while ready ran.
    assert.ok(lastArrival - readyAt >= 99, `the last request arrived ${(lastArrival - readyAt).toFixed(1)} ms after ready: the schedule did not start there`);
  });

  it('keeps to its schedule behind a slow target and times each request from its release', async () => {
    // Two connections to a target that takes 10 ms an answer carry at most 200 requests a second.
    // Offered 400 a second for a quarter of a second, the requests queue behind each other: the
    // last ones wait about a quarter of a second. A closed loop (wrk with paced.lua) would send
    // only what the target can take and time each request from its send, about 10 ms: the queue
    // would not show.
    const port = await serve(http.createServer((_req, res) => setTimeout(() => res.end('slow'), 10)));
    const run = await drivePacedLoad({ port, rate: 400, seconds: 0.25, connections: 2 });
    assert.equal(run.requests, 100);
    assert.equal(run.answered, 100);
    assert.ok(run.p99 > 150, `p99 ${run.p99.toFixed(1)} ms: the queue behind the slow answers does not show`);
    assert.ok(run.p50 > 60, `p50 ${run.p50.toFixed(1)} ms: the queue behind the slow answers does not show`);
    assert.ok(run.achieved < 0.75 * run.offered, `achieved ${run.achieved.toFixed(0)} of ${run.offered} a second: more than the target can carry`);
  });

  it('counts the requests of a connection the target closes as errors and still finishes', async () => {
    let answered = 0;
    const port = await serve(
      http.createServer((req, res) => {
        // The fifth request's connection is dropped unanswered, with what was queued on it.
        if (++answered === 5) req.socket.destroy();
        else res.end('hello world');
      }),
    );
    const run = await drivePacedLoad({ port, rate: 1000, seconds: 0.2, connections: 4 });
    assert.equal(run.requests, 200);
    assert.ok(run.errors > 0, 'the dropped connection counted no error');
    assert.equal(run.answered + run.errors, 200);
  });

  it('fails with the reason when it cannot tell where an answer ends', async () => {
    const port = await serve(net.createServer((socket) => socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nhello'))));
    await assert.rejects(drivePacedLoad({ port, rate: 100, seconds: 0.1, connections: 1 }), /paced load against port \d+: a response without Content-Length/);
  });

  it('refuses options that make no schedule, naming the option', async () => {
    await assert.rejects(drivePacedLoad({ port: 1, rate: 0, seconds: 1 }), /rate must be a positive number of requests per second, got 0/);
    await assert.rejects(drivePacedLoad({ port: 1, rate: 100, seconds: Number.NaN }), /seconds must be a positive number, got NaN/);
    await assert.rejects(drivePacedLoad({ port: 1, rate: 100, seconds: 1, connections: 0.5 }), /connections must be a positive whole number, got 0.5/);
  });
});
