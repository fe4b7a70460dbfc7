/** The last `capacity` bytes pushed through it, in a fixed ring so memory never grows. */
export class TailBuffer {
  readonly #ring: Buffer;
  #end = 0;
  #full = false;

  constructor(capacity: number) {
    this.#ring = Buffer.allocUnsafe(capacity);
  }

  push(chunk: Uint8Array): void {
    const capacity = this.#ring.length;
    if (capacity === 0 || chunk.length === 0) return;
    if (chunk.length >= capacity) {
      this.#ring.set(chunk.subarray(chunk.length - capacity));
      this.#end = 0;
      this.#full = true;
      return;
    }
    const first = Math.min(chunk.length, capacity - this.#end);
    this.#ring.set(chunk.subarray(0, first), this.#end);
    if (first < chunk.length) this.#ring.set(chunk.subarray(first), 0);
    const end = this.#end + chunk.length;
    if (end >= capacity) this.#full = true;
    this.#end = end % capacity;
  }

  toString(): string {
    if (!this.#full) return this.#ring.toString('utf8', 0, this.#end);
    const bytes = Buffer.concat([this.#ring.subarray(this.#end), this.#ring.subarray(0, this.#end)]);
    // The cut may fall inside a UTF-8 sequence; skip its continuation bytes rather than show U+FFFD.
    let start = 0;
    while (start < 3 && start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
    return bytes.toString('utf8', start);
  }
}
