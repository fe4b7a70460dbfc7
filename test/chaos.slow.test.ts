import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import type { Portico } from '@portico/portico';
import { app, startPortico, stopAllPorticos } from './helpers/portico.ts';

// Chaos with real processes: clients hammer Portico with idempotent GETs while a loop SIGKILLs
// backend workers at random moments. CHAOS_SEED replays a run's kill schedule; CHAOS_MS sets its length;
// CHAOS_ANY=1 lets the two-worker run kill the last ready worker too (then a 502 is allowed by the retry rule).
const chaosMs = Number(process.env.CHAOS_MS ?? 8_000);
/** A run lasts until it has killed this many workers too: one a second of CHAOS_MS. */
const leastKills = Math.ceil(chaosMs / 1_000);
/** A request unanswered this long is hung. Generous: on a busy machine a restart takes seconds. */
const requestDeadlineMs = 30_000;

/** mulberry32: small, seedable, good enough to pick victims and intervals. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  requests: number;
  ok: number;
  byStatus: Map<number, number>;
  /** A response with a status but a body that is not the whole JSON document. */
  truncated: number;
  /** An error without any response: reset, refused, socket hang up. */
  resets: number;
  /** No response within the per-request deadline. */
  hung: number;
  outstanding: number;
  errors: string[];
}

function newTally(): Tally {
  return { requests: 0, ok: 0, byStatus: new Map(), truncated: 0, resets: 0, hung: 0, outstanding: 0, errors: [] };
}

/** One GET with a deadline; every outcome is counted exactly once. */
function get(port: number, agent: http.Agent | false, tally: Tally): Promise<void> {
  tally.requests++;
  tally.outstanding++;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (record: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      tally.outstanding--;
      record();
      resolve();
    };
    const req = http.get({ host: '127.0.0.1', port, path: '/chaos', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => settle(() => (tally.truncated++, tally.errors.push(`body ${res.statusCode}: ${err.message}`))));
      res.on('aborted', () => settle(() => (tally.truncated++, tally.errors.push(`aborted ${res.statusCode}`))));
      res.on('end', () =>
        settle(() => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString();
          tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
          const length = Number(res.headers['content-length'] ?? Number.NaN);
          if (!Number.isNaN(length) && length !== Buffer.byteLength(body)) tally.truncated++;
          if (status === 200) {
            try {
              if (typeof (JSON.parse(body) as { pid?: unknown }).pid !== 'number') throw new Error('no pid');
              tally.ok++;
            } catch {
              tally.truncated++;
              tally.errors.push(`200 with an incomplete body (${body.length} bytes)`);
            }
          }
        }),
      );
    });
    req.on('error', (err) => settle(() => (tally.resets++, tally.errors.push(`no response: ${err.message}`))));
    const deadline = setTimeout(() => {
      settle(() => tally.hung++);
      req.destroy();
    }, requestDeadlineMs);
  });
}

/** `clients` loops of back-to-back GETs until `until`; three in four share a keep-alive agent. */
async function load(port: number, clients: number, until: () => boolean, tally: Tally): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (!until()) await get(port, i % 4 === 3 ? false : agent, tally);
  });
  await Promise.all(loops);
  agent.destroy();
}

interface ChaosRun {
  kills: number;
  restarts: number;
}

/**
 * SIGKILLs a worker every 200–600 ms, for CHAOS_MS and at least `leastKills` kills: a busy machine
 * restarts workers slowly, and the run then lasts longer rather than kill fewer (a run of 8 s
 * killed 3 workers on a busy machine). With `spare`, only while another worker is ready: when one
 * is still restarting, it waits for it and kills the other at once, the moment the pool's ready
 * list has just been rebuilt while the victim still has requests in flight.
 */
async function chaos(portico: Portico, random: () => number, spare: boolean): Promise<ChaosRun> {
  let kills = 0;
  const end = performance.now() + chaosMs;
  const until = () => performance.now() >= end && kills >= leastKills;
  const readyWorkers = () => (portico.status().apps[0]?.workers ?? []).filter((w) => w.state === 'ready' && w.pid !== undefined);
  while (!until()) {
    await new Promise((resolve) => setTimeout(resolve, 200 + random() * 400));
    if (until()) break;
    let ready = readyWorkers();
    let victim = ready[Math.floor(random() * ready.length)];
    if (spare && ready.length < 2) {
      const before = new Set(ready.map((w) => w.pid));
      await waitFor(portico, () => until() || readyWorkers().length >= 2);
      ready = readyWorkers();
      if (ready.length < 2) continue;
      victim = ready.find((w) => before.has(w.pid));
    }
    if (victim?.pid === undefined) continue;
    try {
      process.kill(victim.pid, 'SIGKILL');
      kills++;
    } catch {
      // It died on its own in between: not our kill.
    }
  }
  const restarts = (portico.status().apps[0]?.workers ?? []).reduce((n, w) => n + w.restarts, 0);
  return { kills, restarts };
}

function waitFor(portico: Portico, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) return resolve();
    const off = portico.onChange(() => predicate() && (off(), resolve()));
  });
}

const readyCount = (portico: Portico) => (portico.status().apps[0]?.workers ?? []).filter((w) => w.state === 'ready').length;

function report(name: string, seed: number, tally: Tally, run: ChaosRun): void {
  const statuses = [...tally.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(
    `      [chaos ${name}] seed=${seed} requests=${tally.requests} ok=${tally.ok} statuses={${statuses}} ` +
      `truncated=${tally.truncated} resets=${tally.resets} hung=${tally.hung} outstanding=${tally.outstanding} kills=${run.kills} restarts=${run.restarts}`,
  );
  if (tally.errors.length > 0) console.log(`      [chaos ${name}] first errors: ${[...new Set(tally.errors)].slice(0, 5).join(' | ')}`);
}

describe('chaos: backends SIGKILLed under load', function () {
  // A safety net only: each run ends after its kills and its requests' deadlines.
  this.timeout(chaosMs + 180_000);
  afterEach(stopAllPorticos);

  it('answers every idempotent GET with 200 when a second worker is ready', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
    const { portico, port } = await startPortico({
      apps: [app('shop', { processesPerApplication: 2, start: 'eager', rapidFailsPerMinute: 100, restart: { backoff: { min: 0, max: 0.05 } } })],
    });
    await waitFor(portico, () => readyCount(portico) === 2);
    let over = false;
    const tally = newTally();
    const [, run] = await Promise.all([load(port, 16, () => over, tally), chaos(portico, prng(seed), process.env.CHAOS_ANY !== '1').finally(() => (over = true))]);
    report('2 workers', seed, tally, run);
    assert.equal(tally.outstanding, 0);
    assert.equal(tally.hung, 0, `hung requests (seed ${seed})`);
    assert.equal(tally.ok, tally.requests, `failed GETs: ${tally.errors.slice(0, 3).join(' | ')} (seed ${seed})`);
  });

  it('fails a request only with a complete 502, 503 or 504 when the only worker dies', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
    const { portico, port } = await startPortico({
      apps: [app('shop', { processesPerApplication: 1, start: 'eager', rapidFailsPerMinute: 100, restart: { backoff: { min: 0, max: 0.05 } } })],
    });
    await waitFor(portico, () => readyCount(portico) === 1);
    let over = false;
    const tally = newTally();
    const [, run] = await Promise.all([load(port, 16, () => over, tally), chaos(portico, prng(seed), false).finally(() => (over = true))]);
    report('1 worker', seed, tally, run);
    const failures = [...tally.byStatus].filter(([s]) => s !== 200);
    assert.ok(tally.ok > 0);
    assert.equal(tally.outstanding, 0);
    assert.equal(tally.hung, 0, `hung requests (seed ${seed})`);
    assert.equal(tally.resets, 0, `connections reset without a response: ${tally.errors.slice(0, 3).join(' | ')} (seed ${seed})`);
    assert.equal(tally.truncated, 0, `incomplete bodies (seed ${seed})`);
    assert.deepEqual(failures.filter(([s]) => ![502, 503, 504].includes(s)), [], `other statuses (seed ${seed})`);
  });

  it('keeps every line a backend wrote before SIGKILL in its log file, in order', async () => {
    // The backend writes numbered lines to stdout with blocking writes and, after each whole line,
    // records its number in a side file: every number in the side file was in the pipe before death.
    const writer = `
      const fs = require('node:fs');
      require('node:http').createServer((q, s) => s.end()).listen(Number(process.env.PORT), '127.0.0.1');
      const side = fs.openSync(process.env.SIDE_FILE, 'w');
      let n = 0;
      let pending = Buffer.alloc(0);
      const pump = () => {
        for (let i = 0; i < 200; i++) {
          if (pending.length === 0) pending = Buffer.from('line ' + (n + 1) + ' ' + 'x'.repeat(40) + '\\n');
          try {
            pending = pending.subarray(fs.writeSync(1, pending));
          } catch (e) {
            if (e.code !== 'EAGAIN') throw e;
            break;
          }
          if (pending.length === 0) fs.writeSync(side, String(++n).padStart(12), 0);
        }
        setImmediate(pump);
      };
      pump();`;
    const dir = await mkdtemp(join(tmpdir(), 'portico-chaos-'));
    const side = join(dir, 'written');
    const { portico } = await startPortico(
      {
        apps: [
          app('writer', {
            arguments: ['-e', writer],
            environmentVariables: { SIDE_FILE: side },
            start: 'eager',
            stdoutLogEnabled: true,
            stdoutLogFile: 'logs/writer',
            rapidFailsPerMinute: 0,
          }),
        ],
      },
      dir,
    );
    await waitFor(portico, () => readyCount(portico) === 1);
    const pid = portico.status().apps[0]!.workers[0]!.pid!;
    const written = () => {
      try {
        return Number(readFileSync(side, 'utf8').trim() || 0);
      } catch {
        return 0;
      }
    };
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => written() >= 20_000 && (clearInterval(poll), resolve()), 5);
    });
    process.kill(pid, 'SIGKILL');
    // The exit is reported only after its output is read to the end and written to disk.
    await waitFor(portico, () => portico.status().apps[0]?.workers[0]?.lastExit !== undefined || portico.status().apps[0]?.state === 'failed');
    const truth = written();
    const file = readdirSync(join(dir, 'logs')).find((f) => f.endsWith(`_${pid}.log`));
    assert.ok(file, 'a log file named after the pid');
    const lines = readFileSync(join(dir, 'logs', file), 'utf8').split('\n');
    lines.pop(); // '' after the last newline (a line is written to the file only once whole)
    let expected = 1;
    for (const line of lines) {
      if (!line.startsWith('line ')) continue;
      assert.equal(line, `line ${expected} ${'x'.repeat(40)}`, `line ${expected} is missing or out of order`);
      expected++;
    }
    console.log(`      [log durability] backend confirmed ${truth} lines before SIGKILL; the log holds ${expected - 1}`);
    assert.ok(expected - 1 >= truth, `the log holds ${expected - 1} lines, the backend confirmed ${truth}`);
  });
});
