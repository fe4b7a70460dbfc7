import { logEvent, type EventLogger } from '@portico/log-sink';
import type { RefusedFrontMessage } from './checkFrontMessage.ts';

/**
 * The messages of fronts that no front sends (`checkFrontMessage`, `FrontReports.implausible`):
 * each is dropped by the fleet, so the figures it would have changed stay as the front's last
 * good report said, and counted here. Logged once per front process and type: a front that sends
 * a bad report every second would otherwise write a line a second for ever.
 */
export class FrontRefusals {
  readonly #logger: EventLogger;
  readonly #onChange: (() => void) | undefined;
  /** Messages refused of each front, over its restarts, as its restarts are counted. */
  readonly #counts = new Map<number, number>();
  /** The types of message refused of each front's running process: each is logged once a process. */
  readonly #logged = new Map<number, Set<string>>();
  #toTell = false;

  constructor(logger: EventLogger, onChange: (() => void) | undefined) {
    this.#logger = logger;
    this.#onChange = onChange;
  }

  refused(front: number, frontPid: number | undefined, refused: RefusedFrontMessage): void {
    this.#counts.set(front, (this.#counts.get(front) ?? 0) + 1);
    let logged = this.#logged.get(front);
    if (!logged) this.#logged.set(front, (logged = new Set()));
    if (!logged.has(refused.type)) {
      logged.add(refused.type);
      logEvent(this.#logger, 'front.message_refused', { front, frontPid, type: refused.type, problem: refused.problem });
    }
    // Status listeners are told once for every refusal of this turn, not once for each.
    if (this.#toTell) return;
    this.#toTell = true;
    setImmediate(() => {
      this.#toTell = false;
      this.#onChange?.();
    });
  }

  /** Messages refused of `front` over its restarts. */
  count(front: number): number {
    return this.#counts.get(front) ?? 0;
  }

  /** `front`'s process exited: its successor's refusals are logged afresh. */
  exited(front: number): void {
    this.#logged.delete(front);
  }
}
