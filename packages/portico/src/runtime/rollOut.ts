import { summarizeExit, type ReplacementFailure, type WorkerExit } from '@portico/worker-actor';
import type { AppRuntime } from './AppRuntime.ts';
import { terminalSafe } from '../internal/terminalSafe.ts';

/** How a rollout ended: every new worker is ready (traffic may move), or one failed, and why. */
export type RolloutOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Starts `fresh` (beside the runtime it replaces, which keeps serving) and resolves once every
 * worker slot is ready, or as soon as one of its processes ends unasked: a start that failed
 * (an exit before ready, or `startupTimeLimit` passed) fails the rollout at once rather than
 * waiting out `rapidFailsPerMinute`. Bounded by `startupTimeLimit`. The caller switches or
 * closes `fresh`.
 */
export function rollOut(fresh: AppRuntime): Promise<RolloutOutcome> {
  const { pool, config } = fresh;
  const exitsBefore = pool.exitCount;
  return new Promise((resolve) => {
    const check = () => {
      if (pool.exitCount > exitsBefore || pool.state === 'failed' || pool.state === 'stopping' || pool.state === 'stopped') {
        off();
        resolve({ ok: false, error: rolloutFailure(fresh) });
      } else if (pool.ready.length >= config.processesPerApplication) {
        off();
        resolve({ ok: true });
      }
    };
    const off = pool.onChange(check);
    void pool.start({ resume: true });
    check();
  });
}

/** `rollout of shop failed: shop#1 failed to start, code 1: Error: cannot find module 'express'`. */
function rolloutFailure(fresh: AppRuntime): string {
  const exit = fresh.pool.history.exits.at(-1);
  const name = fresh.config.name;
  if (!exit) return `rollout of ${name} failed: ${fresh.pool.failure ?? 'its workers did not start'}`;
  return `rollout of ${name} failed: ${exitSentence(exit.worker, exit, fresh.config.startupTimeLimit)}`;
}

/**
 * Why a rolling restart of `app` stopped, worded as a failed rollout is (status, the CLI, the
 * event): `rollout of shop failed: shop#1, replacing shop#2, failed to start, code 3: fatal: …`.
 */
export function replacementFailure(app: AppRuntime, failure: ReplacementFailure): string {
  const name = app.config.name;
  if (!failure.exit || failure.replacement === undefined) return `rollout of ${name} failed: ${failure.error}`;
  return `rollout of ${name} failed: ${exitSentence(`${failure.replacement}, replacing ${failure.worker},`, failure.exit, app.config.startupTimeLimit)}`;
}

/** `shop#1 failed to start, code 1: <what it wrote to stderr of its error>` (`quoteStderr`). */
function exitSentence(subject: string, exit: WorkerExit, startupTimeLimit: number): string {
  const how =
    exit.kind === 'timed_out'
      ? `was not ready within startupTimeLimit (${startupTimeLimit} s)`
      : `${exit.kind === 'crashed' ? 'crashed' : 'failed to start'}, ${summarizeExit(exit)}`;
  const quote = quoteStderr(exit.stderrTail);
  return `${subject} ${how}${quote ? `: ${quote}` : ''}`;
}

/** Lines that tell no cause: a stack frame (Node's `    at f (file:1:2)`) and Node's closing `Node.js v20.20.2`. */
const noCause = /^\s+at \S|^Node\.js v\d/;
/** A line that states an error: `Error: …`, `ModuleNotFoundError: …`, `Error [ERR_X]: …`, `fatal: …`, `panic: …`. */
const statesError = /^\s*(?:[\w.$]*(?:Error|Exception)\b|fatal\b|panic\b|error\b)/i;
const QUOTED_LINES = 4;
const QUOTED_LINE_CHARS = 150;

/**
 * A few lines of what a worker wrote to stderr, on one line (` | ` between them) for status, the
 * CLI and the event: from the last line that states an error (a Node app's uncaught error ends
 * with its stack, its properties and `Node.js v20.20.2`, so its last line alone said nothing of
 * the cause), else its last lines; stack frames left out, at most 4 lines of 150 characters,
 * without colours, other control characters shown as `\xHH`.
 */
function quoteStderr(tail: string): string {
  // Colours dropped and other controls shown (terminalSafe): the quote reaches the operator's
  // terminal (portico status, portico reload), and 'ESC[31mError:' must still read as an error.
  const lines = tail.split('\n').map((line) => terminalSafe(line, false)).filter((line) => line.trim() !== '' && !noCause.test(line));
  const error = lines.findLastIndex((line) => statesError.test(line));
  const quoted = error >= 0 ? lines.slice(error, error + QUOTED_LINES) : lines.slice(-QUOTED_LINES);
  return quoted.map((line) => (line.trim().length > QUOTED_LINE_CHARS ? `${line.trim().slice(0, QUOTED_LINE_CHARS - 1)}…` : line.trim())).join(' | ');
}
