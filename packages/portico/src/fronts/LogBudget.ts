import type { Clock } from '@portico/supervisor';

/**
 * How many log events a front sends the control process: at most `perSecond` a second, and none
 * while more than `pendingBytes` it sent are still untaken. A front logs per refused request, so
 * a client sending thousands of bad requests a second would otherwise make the front pass the
 * control's bounds on its channel (`FrontInbox`) and be killed for the client's doing. What is
 * dropped is counted and reported once a second (`front.logs_dropped`); a single process logs
 * every event, since nothing stands between it and its log.
 */
export class LogBudget {
  static readonly perSecond = 1000;
  static readonly pendingBytes = 4 << 20;
  readonly #clock: Clock;
  readonly #pending: () => number;
  #windowStart = -Infinity;
  #taken = 0;
  #dropped = 0;

  /** `pending`: bytes sent and not yet taken by the control. */
  constructor(clock: Clock, pending: () => number) {
    this.#clock = clock;
    this.#pending = pending;
  }

  /** Whether one more event may be sent now; counts it as dropped when not. */
  take(): boolean {
    const now = this.#clock.now();
    if (now - this.#windowStart >= 1000) [this.#windowStart, this.#taken] = [now, 0];
    if (this.#taken >= LogBudget.perSecond || this.#pending() > LogBudget.pendingBytes) {
      this.#dropped += 1;
      return false;
    }
    this.#taken += 1;
    return true;
  }

  /** Events dropped since the last call. */
  dropped(): number {
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }
}
