// An open-loop HTTP/1.1 load at a fixed request rate, for the equal-load phases: every target is
// offered the same requests at the same moments whatever it answers, so latencies compare at the
// same load. wrk's own pacing (bench/fixtures/paced.lua) fixes the wait after each answer, not
// the rate: a slower target is sent less, and a request that waits behind a slow answer is timed
// from when wrk finally sends it, which hides the queue (coordinated omission).
//
// The schedule is wrk2's: request j is due at start + j / rate and goes to connection j mod N, one
// request in flight per connection (no pipelining, as wrk). Its latency runs from the moment the
// generator releases it, whether its connection is free or still waits for an earlier answer; so
// a stall shows in every request due behind it, not only in the one it hit. Node's timers tick
// at about a millisecond, so requests are released in the tick that finds them due (about
// rate / 1000 at a time): both targets see the same bursts. How late the ticks came against the
// schedule is measured apart (`lateP99`), so a generator that fell behind shows instead of
// lowering the latencies.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './LatencyHistogram.ts';
import { ResponseFramer } from './ResponseFramer.ts';

export interface PacedLoadOptions {
  readonly port: number;
  readonly host?: string;
  readonly path?: string;
  /** Requests per second offered, over all the connections. */
  readonly rate: number;
  readonly seconds: number;
  /** Connections, all opened before the schedule starts and kept open (default 50, as wrk's -c50). */
  readonly connections?: number;
  /** How long the answers still due may take after the last release (default 10 s). */
  readonly drainMs?: number;
}

export interface PacedLoadRun {
  /** Requests per second offered (the schedule) and answered (answers ÷ time to the last one). */
  readonly offered: number;
  readonly achieved: number;
  /** Requests released (rate × seconds) and answered with a 2xx or 3xx. */
  readonly requests: number;
  readonly answered: number;
  /** Non-2xx/3xx answers, requests lost with a broken connection, and requests still unanswered at the drain's end. */
  readonly errors: number;
  /** Latency percentiles from each request's release, in milliseconds. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** How late the generator released requests against the schedule (99th percentile, ms). */
  readonly lateP99: number;
  /** The generator's own CPU over the run, in percent of one core. */
  readonly cpuPercent: number;
  /** Of it, the milliseconds in user space and in the kernel. */
  readonly cpuMs: { readonly user: number; readonly system: number };
  /**
   * The generator's main thread over the run (/proc's schedstat, Linux): how many times it was put
   * on a CPU, and the milliseconds it stood runnable without one. A generator that shares a CPU
   * waits there too, and each request released or answered meanwhile is timed late. Absent where
   * the kernel keeps no schedstat.
   */
  readonly schedule?: { readonly wakeUps: number; readonly runQueueMs: number };
}

/** This process's main thread: nanoseconds waited runnable, and times run (/proc/self/schedstat). */
function ownSchedule(): { waitedNs: number; runs: number } | undefined {
  try {
    const [, waited, runs] = readFileSync('/proc/self/schedstat', 'utf8').trim().split(' ').map(Number);
    return { waitedNs: waited!, runs: runs! };
  } catch {
    return undefined;
  }
}

interface Connection {
  readonly socket: net.Socket;
  readonly framer: ResponseFramer;
  /** Release times of its requests not yet answered, the one in flight first. */
  readonly due: number[];
  inFlight: boolean;
  broken: boolean;
}

/**
 * Runs the load against `host:port` and returns what it measured. With `ready`, it opens its
 * connections, then waits for `ready` before it starts the schedule.
 */
export async function drivePacedLoad(options: PacedLoadOptions, ready?: () => Promise<void>): Promise<PacedLoadRun> {
  const { rate, seconds } = options;
  const count = options.connections ?? 50;
  if (!(Number.isFinite(rate) && rate > 0)) throw new Error(`paced load: rate must be a positive number of requests per second, got ${rate}`);
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new Error(`paced load: seconds must be a positive number, got ${seconds}`);
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`paced load: connections must be a positive whole number, got ${count}`);
  const host = options.host ?? '127.0.0.1';
  const request = Buffer.from(`GET ${options.path ?? '/'} HTTP/1.1\r\nHost: ${host}:${options.port}\r\n\r\n`, 'latin1');
  const total = Math.round(rate * seconds);
  const latency = new LatencyHistogram();
  const late = new LatencyHistogram();
  let answered = 0;
  let errors = 0;
  let lastAnswer = 0;
  let settle = (): void => {};
  let fail = (_error: Error): void => {};
  const settled = new Promise<void>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // A failure while the connections open or wait for `ready` is awaited with the schedule's end.
  settled.catch(() => {});
  let over = false;
  const finishedOne = (): void => {
    if (answered + errors >= total) settle();
  };

  const send = (c: Connection): void => {
    c.inFlight = true;
    c.socket.write(request);
  };
  const breaks = (c: Connection): void => {
    if (c.broken || over) return;
    c.broken = true;
    errors += c.due.length;
    c.due.length = 0;
    c.socket.destroy();
    finishedOne();
  };
  const answerOn = (c: Connection) => (status: number): void => {
    const now = performance.now();
    const released = c.due.shift();
    if (released === undefined) throw new Error('an answer to no request (the target sent more responses than it was asked for)');
    latency.record(now - released);
    lastAnswer = now;
    if (status < 400) answered++;
    else errors++;
    c.inFlight = false;
    if (c.due.length > 0) send(c);
    finishedOne();
  };
  // Every connection reads into one buffer through `onread`, without a stream's chunk per read,
  // so the generator allocates less per read and its own collections add less to the latencies it
  // measures. The framer copies what it keeps of a read.
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const connections = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<Connection>((resolve, reject) => {
        const framer = new ResponseFramer();
        let answer = (_status: number): void => {};
        const socket = net.connect({
          port: options.port,
          host,
          onread: {
            buffer: readBuffer,
            callback: (bytes: number, buffer: Uint8Array): boolean => {
              try {
                framer.push(Buffer.from(buffer.buffer, buffer.byteOffset, bytes), answer);
              } catch (error) {
                fail(new Error(`paced load against port ${options.port}: ${(error as Error).message}`));
              }
              return true;
            },
          },
        });
        socket.setNoDelay(true);
        socket.once('error', reject);
        socket.once('connect', () => {
          socket.off('error', reject);
          const c: Connection = { socket, framer, due: [], inFlight: false, broken: false };
          answer = answerOn(c);
          socket.on('error', () => breaks(c));
          socket.on('close', () => breaks(c));
          resolve(c);
        });
      }),
    ),
  );

  if (ready) await ready();
  const cpuBefore = process.cpuUsage();
  const scheduleBefore = ownSchedule();
  const start = performance.now();
  let released = 0;
  const release = (): void => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
    for (; released < due; released++) {
      late.record(now - (start + (released * 1000) / rate));
      const c = connections[released % count]!;
      if (c.broken) {
        errors++;
        finishedOne();
        continue;
      }
      c.due.push(now);
      if (!c.inFlight) send(c);
    }
    if (released === total) clearInterval(ticker);
  };
  const ticker = setInterval(release, 1);
  release();
  let drainTimer: NodeJS.Timeout | undefined;
  const drained = new Promise<void>((resolve) => {
    drainTimer = setTimeout(resolve, seconds * 1000 + (options.drainMs ?? 10_000));
  });
  try {
    await Promise.race([settled, drained]);
  } finally {
    over = true;
    clearInterval(ticker);
    clearTimeout(drainTimer);
    for (const c of connections) c.socket.destroy();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const scheduleAfter = ownSchedule();
  const elapsedMs = performance.now() - start;
  for (const c of connections) errors += c.due.length;
  errors += total - released;
  return {
    offered: total / seconds,
    achieved: lastAnswer > start ? (answered * 1000) / (lastAnswer - start) : 0,
    requests: total,
    answered,
    errors,
    p50: latency.percentile(0.5),
    p90: latency.percentile(0.9),
    p99: latency.percentile(0.99),
    max: latency.max,
    lateP99: late.percentile(0.99),
    cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    ...(scheduleBefore && scheduleAfter
      ? { schedule: { wakeUps: scheduleAfter.runs - scheduleBefore.runs, runQueueMs: (scheduleAfter.waitedNs - scheduleBefore.waitedNs) / 1e6 } }
      : {}),
  };
}
