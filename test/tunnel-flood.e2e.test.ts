import assert from 'node:assert/strict';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { openTunnel } from './helpers/openTunnel.ts';
import { startPorticoCli, stopAllPorticoClis, type RunningCli } from './helpers/porticoCli.ts';
import { request } from './helpers/portico.ts';
import { cpuSecondsOf, peakResidentBytesOf, readCallsOf, residentBytesOf, resetPeakResident } from './helpers/processFigures.ts';

const tunnelBackend = fileURLToPath(new URL('./fixtures/tunnel-backend.mjs', import.meta.url));
const mib = 1024 * 1024;
const PIECES = 1_000_000;
/**
 * A tunnel's bounds (docs/proxy.md, WebSocket and other upgrades). A million one-byte writes of a
 * client, echoed, cost Portico 2.7-3.8 s of CPU on a 2-core machine under load, Node 20: about
 * 100 000 reads (the kernel joins what comes between two reads), 16-19 us of user CPU each. A
 * costlier read makes reads fewer and larger, so the total hides it: the CPU per read shows it.
 * Either flood may grow Portico's resident memory by at most GROWTH.
 */
const CPU_SECONDS = 8;
const USER_US_PER_READ = 45;
const GROWTH = 64 * mib;
/** Byte i of a flood is i % 251 (tunnel-backend.mjs): a lost, doubled or reordered byte shows. */
const pieces = Array.from({ length: 251 }, (_, i) => Buffer.of(i));

/** Checks that chunks continue a flood's byte sequence; `count` is how many bytes came so far. */
class FloodChecker {
  count = 0;

  take(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++, this.count++) {
      if (chunk[i] !== this.count % 251) assert.fail(`byte ${this.count} is ${chunk[i]}, but ${this.count % 251} was sent`);
    }
  }
}

/**
 * Rejects once `pid`'s peak resident memory is `bound` above what it is now: a tunnel that stopped
 * pausing its sender would grow without end, and the test fails then, not at mocha's timeout.
 */
function watchGrowth(pid: number, bound: number): { readonly exceeded: Promise<never>; growth(): number; stop(): void } {
  const before = residentBytesOf(pid);
  resetPeakResident(pid);
  const growth = () => peakResidentBytesOf(pid) - before;
  let timer: NodeJS.Timeout | undefined;
  const exceeded = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (growth() > bound) reject(new Error(`Portico's resident memory grew by ${(growth() / mib).toFixed(1)} MiB, more than ${bound / mib} MiB`));
    }, 50);
  });
  // Only a race reads it; unraced, its rejection must not count as unhandled.
  exceeded.catch(() => {});
  return { exceeded, growth, stop: () => clearInterval(timer) };
}

/** Portico in its own process with one front (serving in that process), so its CPU and memory are the tunnel's. */
async function startTunnelPortico(limits: Record<string, unknown> = {}, environmentVariables: Record<string, string> = {}): Promise<RunningCli> {
  const cli = await startPorticoCli({
    fronts: 1,
    limits,
    apps: [{ name: 'tunnel', processPath: process.execPath, arguments: [tunnelBackend], start: 'eager', startupTimeLimit: 10, shutdownTimeLimit: 2, environmentVariables }],
  });
  // The app starts eagerly; its first answer says it is ready.
  assert.equal((await request(cli.port, '/hello')).body, 'ok');
  return cli;
}

describe('a flood of one-byte pieces through one WebSocket tunnel', function () {
  this.timeout(120_000);
  before(function () {
    // CPU and memory are read from /proc.
    if (process.platform !== 'linux') this.skip();
  });
  afterEach(stopAllPorticoClis);

  it(`relays a million one-byte writes of a client in order, with at most ${CPU_SECONDS} s of Portico's CPU, ${USER_US_PER_READ} us per read, and ${GROWTH / mib} MiB of memory growth, and answers another client meanwhile`, async () => {
    const cli = await startTunnelPortico();
    const pid = cli.child.pid!;
    const { socket, rest } = await openTunnel(cli.port, '/echo');
    // The backend echoes: what comes back has crossed the tunnel both ways.
    const echoed = new FloodChecker();
    echoed.take(rest);
    const allEchoed = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        try {
          echoed.take(chunk);
        } catch (error) {
          reject(error as Error);
        }
        if (echoed.count === PIECES) resolve();
      });
      socket.on('close', () => reject(new Error(`the tunnel closed after ${echoed.count} of ${PIECES} bytes came back`)));
    });
    socket.resume();
    const memory = watchGrowth(pid, GROWTH);
    const cpuBefore = cpuSecondsOf(pid);
    const readsBefore = readCallsOf(pid);
    let flooding = true;
    // Another client's requests, one after another for as long as the flood lasts: each is answered.
    const answers: number[] = [];
    const otherClient = (async () => {
      do answers.push((await request(cli.port, '/hello')).status);
      while (flooding);
    })();
    // One write per piece, without Nagle: the kernel sends each alone as long as the socket takes
    // them at once (Portico's reads then take what has come since the last one). A turn of the
    // event loop every hundred pieces lets the echo and the other client in.
    for (let i = 0; i < PIECES; i++) {
      if (!socket.write(pieces[i % 251]!)) await once(socket, 'drain');
      else if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      await Promise.race([allEchoed, memory.exceeded]);
    } finally {
      memory.stop();
    }
    flooding = false;
    await otherClient;
    const cpuAfter = cpuSecondsOf(pid);
    const cpu = cpuAfter.user + cpuAfter.kernel - cpuBefore.user - cpuBefore.kernel;
    const userPerRead = ((cpuAfter.user - cpuBefore.user) * 1e6) / (readCallsOf(pid) - readsBefore);
    socket.destroy();
    assert.ok(cpu <= CPU_SECONDS, `Portico used ${cpu.toFixed(2)} s of CPU for a million one-byte pieces, more than ${CPU_SECONDS} s`);
    assert.ok(userPerRead <= USER_US_PER_READ, `Portico used ${userPerRead.toFixed(1)} us of user CPU per read, more than ${USER_US_PER_READ}`);
    assert.ok(memory.growth() <= GROWTH, `Portico's resident memory grew by ${(memory.growth() / mib).toFixed(1)} MiB`);
    assert.ok(answers.length > 0 && answers.every((status) => status === 200), `the other client's answers: ${answers.join(' ')}`);
  });

  it(`pauses a backend flooding one-byte writes at a client that reads nothing, holds Portico's memory growth under ${GROWTH / mib} MiB, and cuts both sides after sendTimeout`, async () => {
    const sendTimeout = 1;
    const cli = await startTunnelPortico({ sendTimeout }, { FLOOD_BULK_BYTES: String(8 * mib) });
    const pid = cli.child.pid!;
    // Answered by the backend once its flooding connection is cut, with how many bytes it wrote.
    const cut = request(cli.port, '/cut');
    const memory = watchGrowth(pid, GROWTH);
    const { socket, rest } = await openTunnel(cli.port, '/flood');
    const opened = performance.now();
    socket.on('error', () => {});
    // The client reads nothing more: the tunnel must pause the backend, not hold what it writes.
    let sent: number;
    try {
      sent = (JSON.parse((await Promise.race([cut, memory.exceeded])).body) as { sent: number }).sent;
    } finally {
      memory.stop();
    }
    const openFor = performance.now() - opened;
    assert.ok(memory.growth() <= GROWTH, `Portico's resident memory grew by ${(memory.growth() / mib).toFixed(1)} MiB`);
    // The stall deadline starts when the tunnel pauses the backend, after the tunnel opened.
    assert.ok(openFor >= sendTimeout * 1000 - 20, `cut ${Math.round(openFor)} ms after the tunnel opened, before sendTimeout`);
    // What the client gets now is the start of the flood, in order, then the end of the connection.
    const received = new FloodChecker();
    received.take(rest);
    socket.on('data', (chunk: Buffer) => received.take(chunk));
    socket.resume();
    await once(socket, 'close');
    assert.ok(received.count <= sent, `the client got ${received.count} bytes of ${sent} written`);
  });
});
