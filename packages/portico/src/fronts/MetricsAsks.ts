import type { Clock } from '@portico/supervisor';

/**
 * Milliseconds from one ask of a front to its next at least: a flood of `/status` and `/metrics`
 * asks each front at most ten times a second (its answers stay far inside the channel's bounds,
 * `FrontInbox`), and a `/status` waits at most that much more for it.
 */
export const askGap = 100;

/**
 * Milliseconds a `/status` waits for the fronts at most. A front that answers nothing by then (its
 * loop blocked, until its ping finds it) is given its last report, as before, and is not waited
 * for again until it answers: a hung front delays the `/status` of one second, not every one.
 */
export const askWait = 1000;

interface Answer {
  readonly answered: Promise<void>;
  readonly answer: () => void;
  /** Whether `answer` was called: known at once, where `answered` tells a turn later. */
  readonly done: () => boolean;
}

interface Asking {
  /** The ask sent and not answered yet. */
  out: (Answer & { readonly id: number; readonly sentAt: number }) | undefined;
  /** The ask to send once `out` is answered and `askGap` has passed: what came after `out` was sent waits for it. */
  next: Answer | undefined;
  lastSentAt: number;
  timer: unknown;
}

/**
 * The control's `metrics.ask` of its fronts, for `/status` and `/metrics`: the fronts report every
 * second, and a request answered since a front's last report would be missing from them (a script
 * that checks `/status` after its request, a scrape right after a burst). A `/status` waits for an
 * ask sent after it came, so the answer counts every request answered before it; one ask is out per
 * front at a time, and every `/status` that comes meanwhile waits for the same next one.
 */
export class MetricsAsks {
  readonly #clock: Clock;
  readonly #send: (front: number, id: number) => void;
  #sent = 0;
  readonly #fronts = new Map<number, Asking>();
  /** Per front, over its restarts: the asks for which its last report was given instead of its answer. */
  readonly #unanswered = new Map<number, number>();

  /** `send`: sends `{ type: 'metrics.ask', id }` to `front`. */
  constructor(clock: Clock, send: (front: number, id: number) => void) {
    this.#clock = clock;
    this.#send = send;
  }

  /**
   * Resolves once each of `fronts` has sent its figures from after this call (a `metrics` report
   * with the id of an ask sent since), or has exited, or after `askWait`. Never rejects. A front
   * whose figures are not in by then is counted in `unanswered`.
   */
  ask(fronts: Iterable<number>): Promise<void> {
    const now = this.#clock.now();
    const waiting = new Map<number, Answer>();
    for (const front of fronts) {
      let asking = this.#fronts.get(front);
      if (!asking) this.#fronts.set(front, (asking = { out: undefined, next: undefined, lastSentAt: -Infinity, timer: undefined }));
      if (asking.out && now - asking.out.sentAt >= askWait) {
        this.#countUnanswered(front);
        continue;
      }
      // The next ask, not one out: that was sent before this call, and may miss what came since.
      let next = asking.next;
      if (!next) {
        next = asking.next = answer();
        this.#sendNext(front, asking);
      }
      waiting.set(front, next);
    }
    if (waiting.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        for (const [front, next] of waiting) if (!next.done()) this.#countUnanswered(front);
        resolve();
      }, askWait);
      void Promise.all([...waiting.values()].map((next) => next.answered)).then(() => {
        this.#clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * The asks of `front` (by number, over its restarts) for which `/status` or `/metrics` gave its
   * last report, not its answer: it had not answered within `askWait`, or was not waited for.
   */
  unanswered(front: number): number {
    return this.#unanswered.get(front) ?? 0;
  }

  #countUnanswered(front: number): void {
    this.#unanswered.set(front, this.unanswered(front) + 1);
  }

  /** `front` sent a report answering ask `id`; an id it was not asked, or already answered, answers nothing. */
  answered(front: number, id: number): void {
    const asking = this.#fronts.get(front);
    if (!asking?.out || asking.out.id !== id) return;
    const { out } = asking;
    asking.out = undefined;
    out.answer();
    this.#sendNext(front, asking);
  }

  /** `front` exited: nothing is waited for from it; its successor is asked afresh. */
  gone(front: number): void {
    const asking = this.#fronts.get(front);
    if (!asking) return;
    this.#fronts.delete(front);
    this.#clock.clearTimeout(asking.timer);
    asking.out?.answer();
    asking.next?.answer();
  }

  #sendNext(front: number, asking: Asking): void {
    if (!asking.next || asking.out || asking.timer !== undefined) return;
    const now = this.#clock.now();
    const wait = asking.lastSentAt + askGap - now;
    if (wait > 0) {
      asking.timer = this.#clock.setTimeout(() => {
        asking.timer = undefined;
        this.#sendNext(front, asking);
      }, wait);
      return;
    }
    asking.out = { ...asking.next, id: ++this.#sent, sentAt: now };
    asking.next = undefined;
    asking.lastSentAt = now;
    this.#send(front, asking.out.id);
  }
}

function answer(): Answer {
  let resolve!: () => void;
  let done = false;
  const answered = new Promise<void>((r) => (resolve = r));
  return {
    answered,
    answer: () => {
      done = true;
      resolve();
    },
    done: () => done,
  };
}
