import { logEvent, type EventLogger } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';
import type { FrontProcess } from './spawnFront.ts';

/**
 * The first step of Portico's stop with fronts: every running front is asked to stop accepting
 * (`accept.stop`), and the step is over once each has said it stopped (`accept.stopped`) or has
 * exited. A front that does not answer (its event loop blocked, the process stopped) held the stop
 * until the ping found it, an hour at the schema's bound: those still silent at the fronts' one
 * limit are killed together, as at their close (`front.stop_hung`), and the stop goes on.
 */
export class AcceptStops {
  readonly #clock: Clock;
  readonly #logger: EventLogger;
  readonly #limitMs: number;
  readonly #waiting = new Map<number, () => void>();

  constructor(clock: Clock, logger: EventLogger, limitMs: number) {
    this.#clock = clock;
    this.#logger = logger;
    this.#limitMs = limitMs;
  }

  /** Asks each front of `children` that `live` says runs; resolves once every one has stopped accepting or exited. */
  async ask(children: ReadonlyMap<number, FrontProcess>, live: (child: FrontProcess) => boolean): Promise<void> {
    const asked = this.#clock.now();
    const answered = Promise.all(
      [...children].map(
        ([front, child]) =>
          new Promise<void>((resolve) => {
            if (!live(child)) return resolve();
            this.#waiting.set(front, () => {
              this.#waiting.delete(front);
              resolve();
            });
            child.send({ type: 'accept.stop' });
          }),
      ),
    );
    // An exit answers for its front; restarted, a front listens on nothing (init's stopping).
    // After the channels are read (setImmediate): a control held up past the limit has answers
    // waiting in them.
    const deadline = this.#clock.setTimeout(() => {
      setImmediate(() => {
        const waitedMs = Math.round(this.#clock.now() - asked);
        for (const front of this.#waiting.keys()) {
          const child = children.get(front)?.child;
          logEvent(this.#logger, 'front.stop_hung', { front, frontPid: child?.pid, waitedMs });
          child?.kill('SIGKILL');
        }
      });
    }, this.#limitMs);
    await answered;
    this.#clock.clearTimeout(deadline);
  }

  /** `front` said it stopped accepting, or exited. */
  stopped(front: number): void {
    this.#waiting.get(front)?.();
  }
}
