import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The short soak: bench/soak.ts, the same code as `pnpm soak`, in its own process so that its
// fd and memory figures are Portico's and not this test runner's.
const soak = fileURLToPath(new URL('../bench/soak.ts', import.meta.url));

interface SoakResult {
  sent: number;
  answered: number;
  statuses: Record<string, number>;
  resets: number;
  hung: number;
  latency: { p50: number; p99: number; max: number; over10s: number };
  overDeadline: number;
  settings: { deadlineMs: number };
  crashes: number;
  reloads: number;
  reloadFailures: number;
  fdsBefore: number;
  fdsAfter: number;
  backendPids: number[];
  orphans: number[];
}

/** The running soak, so that a test run that gives up on it (a timeout) does not leave it running. */
let running: ChildProcess | undefined;

function runShortSoak(): Promise<{ result: SoakResult; output: string }> {
  return new Promise((resolve, reject) => {
    const child = (running = spawn(process.execPath, ['--import', 'tsx', '--conditions=portico-source', soak], {
      env: {
        ...process.env,
        SOAK_REQUESTS: process.env.SOAK_REQUESTS ?? '50000',
        // About 20 s for 50 000 requests on a quiet 2-core machine; ten times that on a machine
        // busy with other test runs, where 240 s did not suffice: stop sending after 90 s instead.
        SOAK_SECONDS: '90',
        SOAK_CRASH_MS: '400',
        SOAK_RELOAD_MS: '1500',
        // Too short a run for a meaningful memory slope: it is printed, not judged.
        SOAK_SLOPE_MAX: '100000',
        SOAK_JSON: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    }));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('error', reject);
    child.on('close', () => {
      running = undefined;
      const line = output.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
      if (!line) return reject(new Error(`the soak printed no result:\n${output}`));
      resolve({ result: JSON.parse(line.slice('SOAK_RESULT '.length)) as SoakResult, output });
    });
  });
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

describe('soak (short): 50k requests, or 90 s of them, through crashes and reloads', function () {
  // At most 90 s of load, then the requests in flight (each answered or counted hung within
  // SOAK_DEADLINE_MS, 60 s) and a stop: the timeout is only a safety net.
  this.timeout(240_000);
  let run: { result: SoakResult; output: string };
  after(() => running?.kill('SIGKILL'));

  before(async () => {
    run = await runShortSoak();
    for (const line of run.output.split('\n')) if (line && !line.startsWith('SOAK_RESULT ')) console.log(`      ${line}`);
  });

  it('answers every request, without a reset or a hang', () => {
    const { result } = run;
    assert.ok(result.crashes >= 3 && result.reloads >= 2, `too little chaos: ${result.crashes} crashes, ${result.reloads} reloads`);
    assert.ok(result.sent >= 1_000, `only ${result.sent} requests were sent`);
    assert.equal(result.reloadFailures, 0);
    assert.equal(result.answered, result.sent);
    assert.equal(result.resets, 0);
    assert.equal(result.hung, 0);
  });

  it('answers every request within Portico\'s deadlines (queue.timeout + requestTimeout)', () => {
    // A request may wait for a worker to start, more than once when the worker it got is killed
    // (on a loaded machine, well past 10 s: docs/proxy.md, Failures and the retry rule), but its
    // waits end within queue.timeout and its backend owes it an answer within requestTimeout.
    const { result } = run;
    assert.equal(result.settings.deadlineMs, 60_000, 'the soak judges by its app\'s deadlines');
    assert.equal(result.overDeadline, 0, `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
    assert.ok(result.latency.max < result.settings.deadlineMs, `max ${result.latency.max} ms`);
  });

  it('closes every file descriptor it opened', () => {
    assert.ok(Math.abs(run.result.fdsAfter - run.result.fdsBefore) <= 5, `fds ${run.result.fdsBefore} → ${run.result.fdsAfter}`);
  });

  it('leaves no backend process behind', () => {
    assert.ok(run.result.backendPids.length >= 4, 'the run saw its backends');
    assert.deepEqual(run.result.orphans, []);
    assert.deepEqual(run.result.backendPids.filter(alive), [], 'no backend outlives the soak process either');
  });
});
