const NEWLINE = 0x0a;

/** Output of one push: `plain` as the backend wrote it, `written` with line timestamps if asked. */
export interface AssembledLines {
  readonly plain: readonly Buffer[];
  readonly written: readonly Buffer[];
}

/**
 * Turns one stream's chunks into whole lines. The bytes after the last newline of a chunk are
 * held until the line completes, so that stdout and stderr sharing one file interleave at line
 * boundaries instead of at whatever points the pipes happened to be read. A held line longer
 * than `maxHeldBytes` is released as is, and its continuation gets no second timestamp.
 */
export class LineAssembler {
  readonly #stamp: ((time: number) => string) | undefined;
  readonly #maxHeldBytes: number;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #heldTime = 0;
  /** The start of the current line has already been released (it was over-long). */
  #midLine = false;

  constructor(stamp: ((time: number) => string) | undefined, maxHeldBytes: number) {
    this.#stamp = stamp;
    this.#maxHeldBytes = maxHeldBytes;
  }

  /** `time` is when the chunk arrived; a line's timestamp is the arrival of its first byte. */
  push(chunk: Buffer, time: number): AssembledLines | undefined {
    if (chunk.length === 0) return undefined;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      if (this.#heldBytes === 0) this.#heldTime = time;
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      return this.#heldBytes >= this.#maxHeldBytes ? this.#release(true) : undefined;
    }
    const complete = chunk.subarray(0, last + 1);
    const out = this.#completeLines(complete, time);
    this.#held = [];
    this.#heldBytes = 0;
    this.#midLine = false;
    if (last + 1 < chunk.length) {
      // Copied so that a short remainder does not keep the whole pipe chunk alive.
      this.#held.push(Buffer.from(chunk.subarray(last + 1)));
      this.#heldBytes = chunk.length - last - 1;
      this.#heldTime = time;
    }
    return out;
  }

  /** Releases a final line that has no newline, as when a backend dies mid-line. */
  end(): AssembledLines | undefined {
    const out = this.#heldBytes > 0 ? this.#release(false) : undefined;
    this.#midLine = false;
    return out;
  }

  #completeLines(complete: Buffer, time: number): AssembledLines {
    const plain = this.#heldBytes > 0 ? [...this.#held, complete] : [complete];
    if (this.#stamp === undefined) return { plain, written: plain };
    const prefix = Buffer.from(this.#stamp(time));
    let firstPrefix: Buffer | undefined;
    if (!this.#midLine) firstPrefix = this.#heldBytes > 0 ? Buffer.from(this.#stamp(this.#heldTime)) : prefix;
    let lines = 0;
    for (let at = complete.indexOf(NEWLINE); at !== -1; at = complete.indexOf(NEWLINE, at + 1)) lines++;
    // One buffer filled in place: a piece per line would cost two objects per line.
    const out = Buffer.allocUnsafe((firstPrefix?.length ?? 0) + this.#heldBytes + complete.length + (lines - 1) * prefix.length);
    let position = firstPrefix?.copy(out, 0) ?? 0;
    for (const held of this.#held) position += held.copy(out, position);
    let start = 0;
    for (;;) {
      const end = complete.indexOf(NEWLINE, start) + 1;
      position += complete.copy(out, position, start, end);
      start = end;
      if (start >= complete.length) break;
      position += prefix.copy(out, position);
    }
    return { plain, written: [out] };
  }

  #release(overLong: boolean): AssembledLines {
    const plain = this.#held;
    const written = this.#stamp === undefined || this.#midLine ? plain : [Buffer.from(this.#stamp(this.#heldTime)), ...plain];
    this.#held = [];
    this.#heldBytes = 0;
    this.#midLine = overLong;
    return { plain, written };
  }
}
