/** What one front may send the control process (docs/architecture.md, What passes between them). */
export interface FrontInboxBounds {
  /** Bytes of one message, newline excluded. */
  readonly messageBytes: number;
  /** Messages in one second. */
  readonly messagesPerSecond: number;
  /** Bytes in one second. */
  readonly bytesPerSecond: number;
}

/**
 * The control's bounds on a front's channel: a front's messages are its own code's, so past these
 * it has a runaway bug (a log loop, a message built without end). Far above what a healthy front
 * sends: a metrics report a second, a pong per ping, at most 1000 log events a second (the
 * front's own budget, `frontLogBudget`), and a few pool messages per change of a pool.
 */
export const frontInboxBounds: FrontInboxBounds = { messageBytes: 1 << 20, messagesPerSecond: 5000, bytesPerSecond: 16 << 20 };

/** Why a front's channel was cut: the bound it passed, the figure it reached and the limit. */
export interface InboxOverflow {
  readonly reason: 'message too large' | 'too many messages' | 'too many bytes' | 'not a message';
  readonly reached: number;
  readonly limit: number;
}

/**
 * What the control process reads from one front: newline-ended JSON messages, cut into messages
 * with bounds. The control never holds more than one message's worth of a front's bytes (Node's
 * own IPC channel keeps every byte until a newline comes, however many, which is why fronts do
 * not report over it), and never parses more than the bounds allow a second, so a runaway front
 * can neither grow its memory nor take its event loop. `now` is the control's clock, in ms.
 */
export class FrontInbox {
  readonly #bounds: FrontInboxBounds;
  readonly #now: () => number;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #windowStart = -Infinity;
  #windowMessages = 0;
  #windowBytes = 0;
  #overflow: InboxOverflow | undefined;

  constructor(now: () => number, bounds: FrontInboxBounds = frontInboxBounds) {
    this.#now = now;
    this.#bounds = bounds;
  }

  /** Set once a bound was passed: the channel is to be cut and the front replaced; nothing more is read. */
  get overflow(): InboxOverflow | undefined {
    return this.#overflow;
  }

  /** The messages `chunk` completes, in order; none once a bound was passed (see `overflow`). */
  read(chunk: Buffer): unknown[] {
    if (this.#overflow) return [];
    const now = this.#now();
    if (now - this.#windowStart >= 1000) [this.#windowStart, this.#windowMessages, this.#windowBytes] = [now, 0, 0];
    this.#windowBytes += chunk.length;
    if (this.#windowBytes > this.#bounds.bytesPerSecond) return this.#cut('too many bytes', this.#windowBytes, this.#bounds.bytesPerSecond);
    const messages: unknown[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; start = end + 1, end = chunk.indexOf(0x0a, start)) {
      const bytes = this.#partialBytes + end - start;
      if (bytes > this.#bounds.messageBytes) return this.#cut('message too large', bytes, this.#bounds.messageBytes);
      if (++this.#windowMessages > this.#bounds.messagesPerSecond) return this.#cut('too many messages', this.#windowMessages, this.#bounds.messagesPerSecond);
      const line = this.#partialBytes === 0 ? chunk.subarray(start, end) : Buffer.concat([...this.#partial, chunk.subarray(start, end)]);
      [this.#partial, this.#partialBytes] = [[], 0];
      try {
        messages.push(JSON.parse(line.toString('utf8')));
      } catch {
        return this.#cut('not a message', bytes, this.#bounds.messageBytes);
      }
    }
    if (start < chunk.length) {
      this.#partialBytes += chunk.length - start;
      if (this.#partialBytes > this.#bounds.messageBytes) return this.#cut('message too large', this.#partialBytes, this.#bounds.messageBytes);
      // A copy: the chunk is the stream's, and a partial line may wait for the next read.
      this.#partial.push(Buffer.from(chunk.subarray(start)));
    }
    return messages;
  }

  #cut(reason: InboxOverflow['reason'], reached: number, limit: number): [] {
    this.#overflow = { reason, reached, limit };
    [this.#partial, this.#partialBytes] = [[], 0];
    return [];
  }
}
