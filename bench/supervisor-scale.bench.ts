// Cost of one supervisor operation as the number of children grows: starting a child, stopping
// and deleting it, and restarting a crashed one, measured at 1 000, 10 000 and 100 000 children in
// one run. The baseline is the same operation at 1 000 children: a ratio near 1 means the cost does
// not depend on how many children there are (OTP's supervisor keeps its children in a map too).
// Each size runs in a process of its own, so one size's garbage does not slow the next, and each
// rate is the best of three short rounds, so a busy machine's pauses count less.
//
//   pnpm bench:supervisor-scale          (BUDGET_MS=150 per round, SIZES=1000,10000,100000 by default)
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createActor, type ActorLogic, type Snapshot } from 'xstate';
import { createSupervisor, deleteChild, SimulatedClock, startChild, terminateChild, whichChild, type ChildSpec, type SupervisorRef } from '@portico/supervisor';

const sizes = (process.env.SIZES ?? '1000,10000,100000').split(',').map(Number);
const budgetMs = Number(process.env.BUDGET_MS ?? 150);

type ChildEvent = { type: 'crash' } | { type: 'portico.shutdown' };

/** The smallest well-behaved child: it throws on `crash` and finishes on `portico.shutdown`. */
const child: ActorLogic<Snapshot<unknown>, ChildEvent> = {
  getInitialSnapshot: () => ({ status: 'active', output: undefined, error: undefined }),
  transition: (snapshot, event) => {
    if (event.type === 'crash') throw new Error('crash');
    if (event.type === 'portico.shutdown') return { status: 'done', output: { exit: 'shutdown' }, error: undefined };
    return snapshot;
  },
  getPersistedSnapshot: (snapshot) => snapshot,
};

const spec = (id: string): ChildSpec => ({ id, logic: child });

/**
 * Runs `op` in three rounds, each until the budget is spent (at least 20 times), and returns the
 * best round's operations per second. `op` gets a number never given before.
 */
async function rate(op: (i: number) => Promise<void> | void): Promise<number> {
  let done = 0;
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const first = done;
    const start = performance.now();
    while (done - first < 20 || performance.now() - start < budgetMs) await op(done++);
    best = Math.max(best, ((done - first) * 1000) / (performance.now() - start));
  }
  return best;
}

interface Row {
  readonly size: number;
  readonly setupMs: number;
  readonly start: number;
  readonly stop: number;
  readonly restart: number;
}

async function measure(size: number): Promise<Row> {
  const clock = new SimulatedClock();
  const began = performance.now();
  const supervisor: SupervisorRef = createActor(
    createSupervisor({ intensity: 1_000_000, period: 3600, children: Array.from({ length: size }, (_, i) => spec(`c${i}`)) }),
    { clock },
  ).start();
  const setupMs = performance.now() - began;
  const check = (result: { ok: boolean }) => {
    if (!result.ok) throw new Error(`an operation failed at ${size} children: ${JSON.stringify(result)}`);
  };
  let started = 0;
  const start = await rate(async (i) => {
    check(await startChild(supervisor, spec(`x${i}`)));
    started = i + 1;
  });
  const stop = await rate(async (i) => {
    if (i >= started) check(await startChild(supervisor, spec(`x${i}`)));
    check(await terminateChild(supervisor, `x${i}`));
    check(await deleteChild(supervisor, `x${i}`));
  });
  // A child in the middle crashes and is restarted at once (one_for_one, no backoff).
  const middle = `c${size >> 1}`;
  const restart = await rate(() => {
    whichChild(supervisor, middle)?.ref?.send({ type: 'crash' });
  });
  supervisor.stop();
  return { size, setupMs, start, stop, restart };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const size = Number(process.argv[2]);
if (size > 0) {
  // One size, in this process: warm V8 up, measure, report to the parent.
  await measure(1_000);
  await measure(1_000);
  console.log(JSON.stringify(await measure(size)));
} else {
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = sizes.map((n) => {
    const out = execFileSync(process.execPath, [...process.execArgv, self, String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Row;
  });
  const base = rows[0]!;
  console.log(`supervisor operations per second (best of 3 rounds of ${budgetMs} ms; ratio = rate at N / rate at ${fmt(base.size)}, 1.00 = independent of N)`);
  console.log(['children', 'setup ms', 'start/s', 'ratio', 'stop+delete/s', 'ratio', 'restart/s', 'ratio'].map((h) => h.padStart(14)).join(''));
  for (const row of rows) {
    const cells = [
      fmt(row.size), row.setupMs.toFixed(0),
      fmt(row.start), (row.start / base.start).toFixed(2),
      fmt(row.stop), (row.stop / base.stop).toFixed(2),
      fmt(row.restart), (row.restart / base.restart).toFixed(2),
    ];
    console.log(cells.map((c) => c.padStart(14)).join(''));
  }
}
