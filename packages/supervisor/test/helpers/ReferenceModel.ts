/** What a reference model keeps of each child. */
export interface ReferenceChild {
  readonly id: string;
  state: string;
  incarnation: number;
  startedAt: number;
  failures: number;
  /** When its backoff ends, while it is in `backoff`. */
  due: number;
}

/** The restart policy a reference model follows. */
export interface ReferencePolicy {
  readonly intensity: number;
  readonly period: number;
  readonly backoff: { readonly min: number; readonly max: number; readonly resetAfter: number };
}

/**
 * What the model-based tests' reference supervisors share, written from OTP and
 * docs/supervisor.md rather than from the supervisor's code: the clock, the sliding intensity
 * window (a restart exactly `period` ago has left it; one more than `intensity` within it and
 * the supervisor gives up), the backoff (min · 2^(failures − 1) s, capped at max, failures
 * forgotten once a child was up for resetAfter s), and time that moves through the restarts as
 * they come due. Each model says which children a restart takes and how a due one starts.
 */
export abstract class ReferenceModel<C extends ReferenceChild, P extends ReferencePolicy> {
  now = 0;
  children: C[] = [];
  restarts: number[] = [];
  /** The supervisor gave up. */
  done = false;
  readonly config: P;

  constructor(config: P) {
    this.config = config;
  }

  /** Counts a restart of `child` now: its backoff in ms, or undefined when the supervisor gives up (`done`). */
  protected restartDelay(child: C): number | undefined {
    const { intensity, period, backoff } = this.config;
    if (this.now - child.startedAt >= backoff.resetAfter * 1000) child.failures = 0;
    child.failures++;
    // Both ends of the window, as supervisor.erl's Now =< Then + Period (RestartIntensity).
    this.restarts = this.restarts.filter((t) => t >= this.now - period * 1000);
    this.restarts.push(this.now);
    if (this.restarts.length > intensity) {
      this.done = true;
      return undefined;
    }
    return Math.round(Math.min(backoff.max, backoff.min * 2 ** (child.failures - 1)) * 1000);
  }

  /** Moves time by `ms`, starting the children whose backoff ends meanwhile, each at its due time. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.children.filter((c) => c.state === 'backoff' && c.due <= target);
      if (due.length === 0 || this.done) break;
      this.now = Math.min(...due.map((c) => c.due));
      this.fireDue();
    }
    this.now = target;
  }

  /** Starts the children in backoff that are due now, in start order. */
  protected abstract fireDue(): void;

  /** `id@incarnation:state` for each child, in start order, as the real supervisor is read. */
  states(): string[] {
    return this.children.map((c) => `${c.id}@${c.incarnation}:${c.state}`);
  }
}
