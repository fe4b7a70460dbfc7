/**
 * Milliseconds past its time after which a pool's look (its idle check, an elastic pool's look) is
 * late: the event loop was held up (a long synchronous task, a GC pause, a debugger), and the
 * look's timer runs before the reads that waited meanwhile. What the fronts reported during that
 * time (they report every second: requests answered, in flight, the most at once) may still be
 * unread in their channels. Judged up to now, the hold-up would count as idle, and an app or a
 * worker the fronts served meanwhile be stopped; skipped altogether, a control process late at every
 * look (a busy machine) would never stop an idle app or shrink a pool.
 */
const lateLook = 1000;

/** When a look runs, and how far its figures surely reach. */
export interface LookTime {
  readonly late: boolean;
  /**
   * The time up to which the look may count idleness: now for a look on time; for a late one, when
   * the look before it ran (which scheduled this one), after which the reads went on until the
   * hold-up began. Each late look of a control late at every look reaches one look further.
   */
  readonly coveredUpTo: number;
}

/** The look scheduled at `scheduledAt` for `interval` ms later, run at `now`. */
export function lookTime(scheduledAt: number, interval: number, now: number): LookTime {
  const late = now - (scheduledAt + interval) > lateLook;
  return { late, coveredUpTo: late ? scheduledAt : now };
}
