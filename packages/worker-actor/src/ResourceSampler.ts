import type { Clock } from '@portico/supervisor';
import { InvalidWorkerOptionError } from './errors.ts';
import type { ProcessHost } from './ProcessHost.ts';
import type { ProcessUsage } from './ProcessUsage.ts';

/** One worker's process tree at its last sample, with its CPU rate since the sample before. */
export interface WorkerResources extends ProcessUsage {
  /**
   * CPU used since the previous sample, in percent of one core (`top`'s and `ps`'s unit: a
   * worker busy on two cores shows 200). Over the process's life at its first sample.
   */
  readonly cpuPercent: number;
  /** When this was read (the clock's ms). */
  readonly sampledAt: number;
}

/** A process to sample: the worker slot it serves, its pid, and when it started (the clock's ms). */
export interface SampleTarget {
  readonly slot: string;
  readonly pid: number;
  readonly startedAt: number;
}

/** Seconds between samples unless the config says otherwise (`sampleInterval`). */
export const defaultSampleInterval = 5;

/** Throws `InvalidWorkerOptionError` unless `seconds` is in [0, 3600] (0: off). */
export function validateSampleInterval(seconds: number): void {
  if (!(Number.isFinite(seconds) && seconds >= 0 && seconds <= 3600)) {
    throw new InvalidWorkerOptionError('sampleInterval', `must be seconds from 0 (off) to 3600, got ${seconds}`);
  }
}

/**
 * Reads what each worker's process tree costs (`ProcessHost.usage`) every `interval` seconds on
 * the injected clock, and keeps the last figures per worker slot for status, metrics and the
 * memory limit. A host without `usage` (macOS) is never asked; `available` says so.
 */
export class ResourceSampler {
  readonly #host: ProcessHost;
  readonly #clock: Clock;
  readonly #targets: () => Iterable<SampleTarget>;
  readonly #onSample: () => void;
  #interval: number;
  #timer: unknown;
  /** Between `start()` and `stop()`, whether or not a timer runs (none at interval 0). */
  #running = false;
  readonly #last = new Map<string, { readonly pid: number; readonly figures: WorkerResources }>();

  /** `onSample` runs after every sample; its errors are its own. */
  constructor(options: { host: ProcessHost; clock: Clock; interval: number; targets: () => Iterable<SampleTarget>; onSample: () => void }) {
    validateSampleInterval(options.interval);
    this.#host = options.host;
    this.#clock = options.clock;
    this.#interval = options.interval;
    this.#targets = options.targets;
    this.#onSample = options.onSample;
  }

  /** Whether the host can tell what a process costs (it has `/proc`). */
  get available(): boolean {
    return typeof this.#host.usage === 'function';
  }

  get interval(): number {
    return this.#interval;
  }

  /** Samples every `interval` seconds from now until `stop()`. Idempotent. */
  start(): void {
    this.#running = true;
    if (this.#timer !== undefined || this.#interval === 0 || !this.available) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.sample();
      if (this.#running) this.start();
    }, this.#interval * 1000);
  }

  /** Stops sampling and forgets the figures: they describe processes that are going. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#last.clear();
  }

  /** A new interval (a reload): takes effect from the next sample. */
  setInterval(seconds: number): void {
    validateSampleInterval(seconds);
    if (seconds === this.#interval) return;
    this.#interval = seconds;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running) this.start();
  }

  /** The last figures of `slot`'s current process `pid`; none before its first sample. */
  get(slot: string, pid: number | undefined): WorkerResources | undefined {
    const last = this.#last.get(slot);
    return last !== undefined && last.pid === pid ? last.figures : undefined;
  }

  /** Reads every target now. */
  sample(): void {
    if (!this.#host.usage) return;
    const now = this.#clock.now();
    const live = new Set<string>();
    for (const target of this.#targets()) {
      live.add(target.slot);
      const read = safeUsage(this.#host, target.pid);
      if (!read) {
        this.#last.delete(target.slot);
        continue;
      }
      const previous = this.#last.get(target.slot);
      const since = previous?.pid === target.pid ? previous.figures : { cpuSeconds: 0, sampledAt: target.startedAt };
      // A counter never falls (`portico_worker_cpu_seconds_total`: Prometheus reads a fall as a
      // reset and counts the whole figure again). Read over a tree, it can: a process that leaves
      // it (a double fork) takes its time along, so the last figure stands until the tree passes it.
      const cpuSeconds = Math.max(read.cpuSeconds, since.cpuSeconds);
      const seconds = (now - since.sampledAt) / 1000;
      const cpuPercent = seconds > 0 ? ((cpuSeconds - since.cpuSeconds) / seconds) * 100 : 0;
      this.#last.set(target.slot, { pid: target.pid, figures: { ...read, cpuSeconds, cpuPercent, sampledAt: Math.round(now) } });
    }
    for (const slot of this.#last.keys()) if (!live.has(slot)) this.#last.delete(slot);
    try {
      this.#onSample();
    } catch {
      // What a listener does with the figures must not stop the sampling.
    }
  }
}

function safeUsage(host: ProcessHost, pid: number): ProcessUsage | undefined {
  try {
    return host.usage?.(pid);
  } catch {
    return undefined;
  }
}
