import type { SimulatedClock } from '@portico/supervisor';
import { SimulationStuckError } from './errors.ts';
import { noteSimulation } from './internal/simulationsMade.ts';
import { SteppedClock } from './internal/SteppedClock.ts';
import { seededRandom } from './seededRandom.ts';
import { SimulatedProcessHost, type SimulatedProcessHostOptions } from './SimulatedProcessHost.ts';

export interface SimulationOptions {
  /**
   * Seeds every random choice the simulation makes (`random`, the host's scripts): an integer from
   * -2^31 to 2^32 - 1, as fast-check's seeds; anything else throws `RangeError`. Default 0.
   */
  readonly seed?: number;
  /** Host options other than the clock and randomness, which the simulation provides. */
  readonly host?: Omit<SimulatedProcessHostOptions, 'clock' | 'random' | 'trace'>;
  /**
   * Event-loop turns (`setImmediate`) flushed after each timer. Node streams and awaited
   * promises settle within one turn; raise it only for code that chains immediates. Default 2.
   */
  readonly turnsPerStep?: number;
  /** Timers fired in one `advance` before it gives up as a timer loop. Default 100 000. */
  readonly maxSteps?: number;
  /**
   * Real milliseconds `flush` waits for the file-system requests in flight before it gives up
   * (a read of a FIFO nobody writes never ends). Default 30 000: far past what a busy machine's
   * thread pool takes to get to a small read.
   */
  readonly maxFsWaitMs?: number;
}

/**
 * A deterministic world for a supervision tree: a simulated clock, a simulated process host on
 * it, a seeded random source and a trace of what happened (`t=120ms crash pid=1001 code=1`).
 * Time moves only through `advance`, which fires due timers one at a time in due order and lets
 * promises, `process.nextTick` callbacks and immediates settle between them, so code that awaits
 * between timers (as workers and pools do) runs the same way every time for the same seed.
 *
 * @example
 * const sim = new Simulation({ seed: 7 });
 * sim.host.define('node', { readyAfter: 50, crashAt: 300, exitCode: 1 });
 * const pool = new WorkerPool({ worker: { app: 'shop', processPath: 'node', host: sim.host }, clock: sim.clock });
 * await pool.start();
 * await sim.advance(1_000);
 */
export class Simulation {
  readonly seed: number;
  readonly random: () => number;
  readonly trace: string[] = [];
  readonly host: SimulatedProcessHost;
  readonly #clock: SteppedClock;
  readonly #turns: number;
  readonly #maxSteps: number;
  readonly #maxFsWaitMs: number;

  constructor(options: SimulationOptions = {}) {
    this.seed = options.seed ?? 0;
    this.random = seededRandom(this.seed);
    this.#clock = new SteppedClock();
    this.#turns = options.turnsPerStep ?? 2;
    this.#maxSteps = options.maxSteps ?? 100_000;
    this.#maxFsWaitMs = options.maxFsWaitMs ?? 30_000;
    if (!(this.#maxFsWaitMs >= 0 && Number.isFinite(this.#maxFsWaitMs))) throw new RangeError(`maxFsWaitMs takes a finite duration ≥ 0 in milliseconds, got ${options.maxFsWaitMs}`);
    this.host = new SimulatedProcessHost({
      ...options.host,
      clock: this.#clock,
      random: seededRandom(this.seed ^ 0x5bd1e995),
      trace: (line) => this.note(line),
    });
    noteSimulation(this);
  }

  /** The clock to give to `createActor(logic, { clock })` and to `WorkerPool`. */
  get clock(): SimulatedClock {
    return this.#clock;
  }

  /** Simulated milliseconds since the start. */
  get now(): number {
    return this.#clock.now();
  }

  /** Adds a line to the trace, stamped with the simulated time. */
  note(line: string): void {
    this.trace.push(`t=${formatTime(this.#clock.now())} ${line}`);
  }

  /**
   * Lets pending promises, ticks and immediates run, without moving time, and waits for file-system
   * requests in flight: code under simulation may read a file (a router reads app_offline.htm as
   * it starts), which libuv's thread pool does when it gets to it, seconds later on a busy machine,
   * and simulated time must not jump past its continuation meanwhile. Throws `SimulationStuckError`
   * when one is still in flight after `maxFsWaitMs` of real time.
   */
  async flush(): Promise<void> {
    for (let i = 0; i < this.#turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    const gives = performance.now() + this.#maxFsWaitMs;
    while (process.getActiveResourcesInfo().some((resource) => resource.startsWith('FSReq'))) {
      if (performance.now() > gives) {
        throw new SimulationStuckError(`a file-system request is still in flight after ${this.#maxFsWaitMs} ms of real time (a read of a FIFO or a device nobody writes never ends): ${fsRequests()}`);
      }
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      for (let i = 0; i < this.#turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Moves time forward by `ms`, firing each due timer at its own time, settling in between. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) takes a duration ≥ 0, got ${ms}`);
    await this.advanceTo(this.#clock.now() + ms);
  }

  /** `advance` under the name test scenarios often read better with. */
  runFor(ms: number): Promise<void> {
    return this.advance(ms);
  }

  /** Moves time forward to the absolute simulated time `time` (no-op if it has passed). */
  async advanceTo(time: number): Promise<void> {
    await this.flush();
    for (let steps = 0; ; steps++) {
      if (steps > this.#maxSteps) throw new SimulationStuckError(`advance fired more than ${this.#maxSteps} timers before t=${time}ms`);
      const next = this.#clock.nextDue();
      if (next === undefined || next > time) break;
      this.#clock.collectTo(next);
      for (let fn = this.#clock.takeQueued(); fn; fn = this.#clock.takeQueued()) {
        fn();
        await this.flush();
      }
    }
    if (time > this.#clock.now()) this.#clock.advance(time - this.#clock.now());
    await this.flush();
  }

  /**
   * Runs the simulation until `promise` settles and returns its value: settles the event loop,
   * then fires the next timer, and so on. Throws if nothing is left to fire while it is still
   * pending, or after `limitMs` of simulated time.
   */
  async until<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => (settled = true));
    watched.catch(() => {});
    const deadline = this.#clock.now() + limitMs;
    await this.flush();
    while (!settled) {
      const next = this.#clock.nextDue();
      if (next === undefined) throw new SimulationStuckError(`a promise is still pending at t=${this.#clock.now()}ms and no timer is left to fire`);
      if (next > deadline) throw new SimulationStuckError(`a promise is still pending after ${limitMs}ms of simulated time`);
      await this.advanceTo(next);
    }
    return watched;
  }

  /** Advances in steps until `predicate()` holds; throws after `limitMs` of simulated time. */
  async runUntil(predicate: () => boolean, limitMs = 3_600_000): Promise<void> {
    const deadline = this.#clock.now() + limitMs;
    await this.flush();
    while (!predicate()) {
      const next = this.#clock.nextDue();
      if (next === undefined || next > deadline) throw new SimulationStuckError(`the awaited condition does not hold by t=${this.#clock.now()}ms and ${next === undefined ? 'no timer is left' : 'the time limit passed'}`);
      await this.advanceTo(next);
    }
  }
}

/** `120ms`, `51.29ms`: simulated times as traces and schedules print them. */
export function formatTime(ms: number): string {
  return `${Math.round(ms * 100) / 100}ms`;
}

/** The file-system requests in flight, by kind and count, for the stuck error: `FSReqPromise ×1`. */
function fsRequests(): string {
  const counts = new Map<string, number>();
  for (const resource of process.getActiveResourcesInfo()) if (resource.startsWith('FSReq')) counts.set(resource, (counts.get(resource) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
}
