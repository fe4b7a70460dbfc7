/**
 * Request latencies in logarithmic buckets 1 % wide, so a soak of a million requests keeps about
 * 1 500 numbers, not a million: a percentile is read to within 1 %, the maximum exactly.
 */
export class LatencyHistogram {
  static readonly #growth = Math.log(1.01);
  readonly #counts: number[] = [];
  #count = 0;
  #max = 0;
  readonly #over = new Map<number, number>();

  /** `thresholds`: latencies in ms above which requests are counted exactly (`over`). */
  constructor(thresholds: readonly number[] = []) {
    for (const t of thresholds) this.#over.set(t, 0);
  }

  record(ms: number): void {
    const bucket = Math.floor(Math.log(1 + Math.max(0, ms)) / LatencyHistogram.#growth);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#count++;
    if (ms > this.#max) this.#max = ms;
    for (const [t, n] of this.#over) if (ms > t) this.#over.set(t, n + 1);
  }

  get count(): number {
    return this.#count;
  }

  get max(): number {
    return this.#max;
  }

  /** How many took longer than `threshold` ms (one of the constructor's thresholds). */
  over(threshold: number): number {
    const n = this.#over.get(threshold);
    if (n === undefined) throw new Error(`${threshold} ms is not one of the histogram's thresholds`);
    return n;
  }

  /** The latency below which `fraction` of the requests fell (the bucket's upper edge), in ms. */
  percentile(fraction: number): number {
    const rank = Math.ceil(fraction * this.#count);
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket] ?? 0;
      if (seen >= rank && seen > 0) return Math.min(this.#max, Math.exp((bucket + 1) * LatencyHistogram.#growth) - 1);
    }
    return this.#max;
  }
}
