import { systemClock, type Clock } from '@portico/supervisor';

/** What one front may send the control process (docs/architecture.md, What passes between them). */
export interface FrontInboxBounds {
  /** Bytes of one message, newline excluded. */
  readonly messageBytes: number;
  /** Messages in one second of the sender's clock. */
  readonly messagesPerSecond: number;
  /** Bytes in one second of the sender's clock. */
  readonly bytesPerSecond: number;
}

/**
 * The control's bounds on a front's channel: a front's messages are its own code's, so past these
 * it has a runaway bug (a log loop, a message built without end). Far above what a healthy front
 * sends: a metrics report a second, a pong per ping, at most 1000 log events a second (the
 * front's own budget, `frontLogBudget`), and a few pool messages per change of a pool. What a
 * message says is not judged here: a pong for a ping never sent or already answered is not
 * hostile input but a message like any other, which `pingFront` ignores (it answers nothing).
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
 * not report over it), and never parses more than the bounds allow in a second of the front's.
 *
 * The seconds are the sender's: each message carries `sentAt`, the sender's monotonic clock in ms
 * when it sent it (`frontMain`), and a message sent 1000 ms or more after the one that opened the
 * current second opens the next. Counted by when the control reads them instead, what a healthy
 * front sent while the control's event loop was held up (a long synchronous task, a GC pause, a
 * debugger) would arrive within one second and be taken for a flood: a front logging its budget
 * for 6 s has 6000 messages waiting. A runaway front is cut as before, its messages being sent
 * within its own seconds; a message without `sentAt` counts in the second open now. The stamps are
 * the front's word, so they are held to the control's clock: a front cannot have sent
 * later, after its first message, than the time the control has seen pass since the inbox was
 * made (before the front started), give or take a second of rounding; a stamp past that opens no
 * second, so a front that claims a new second for every message is cut as a flood.
 */
export class FrontInbox {
  readonly #bounds: FrontInboxBounds;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  readonly #clock: Clock;
  readonly #madeAt: number;
  #firstSentAt: number | undefined;
  #secondStart = -Infinity;
  #secondMessages = 0;
  #secondBytes = 0;
  #overflow: InboxOverflow | undefined;

  /** `clock`: the control's, by which a front's stamps are held to the time that has passed. */
  constructor(bounds: FrontInboxBounds = frontInboxBounds, clock: Clock = systemClock) {
    this.#bounds = bounds;
    this.#clock = clock;
    this.#madeAt = clock.now();
  }

  /** Set once a bound was passed: the channel is to be cut and the front replaced; nothing more is read. */
  get overflow(): InboxOverflow | undefined {
    return this.#overflow;
  }

  /** The messages `chunk` completes, in order; none once a bound was passed (see `overflow`). */
  read(chunk: Buffer): unknown[] {
    if (this.#overflow) return [];
    const messages: unknown[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; start = end + 1, end = chunk.indexOf(0x0a, start)) {
      const bytes = this.#partialBytes + end - start;
      if (bytes > this.#bounds.messageBytes) return this.#cut('message too large', bytes, this.#bounds.messageBytes);
      const line = this.#partialBytes === 0 ? chunk.subarray(start, end) : Buffer.concat([...this.#partial, chunk.subarray(start, end)]);
      [this.#partial, this.#partialBytes] = [[], 0];
      let message: unknown;
      try {
        message = JSON.parse(line.toString('utf8'));
      } catch {
        return this.#cut('not a message', bytes, this.#bounds.messageBytes);
      }
      // Parsed before it is counted, to know its second: one message, within messageBytes.
      this.#openSecond(message);
      this.#secondBytes += bytes + 1;
      if (this.#secondBytes > this.#bounds.bytesPerSecond) return this.#cut('too many bytes', this.#secondBytes, this.#bounds.bytesPerSecond);
      if (++this.#secondMessages > this.#bounds.messagesPerSecond) return this.#cut('too many messages', this.#secondMessages, this.#bounds.messagesPerSecond);
      messages.push(message);
    }
    if (start < chunk.length) {
      this.#partialBytes += chunk.length - start;
      if (this.#partialBytes > this.#bounds.messageBytes) return this.#cut('message too large', this.#partialBytes, this.#bounds.messageBytes);
      // Counted in the second open now until its end says which second it was sent in.
      const bytes = this.#secondBytes + this.#partialBytes;
      if (bytes > this.#bounds.bytesPerSecond) return this.#cut('too many bytes', bytes, this.#bounds.bytesPerSecond);
      // A copy: the chunk is the stream's, and a partial line may wait for the next read.
      this.#partial.push(Buffer.from(chunk.subarray(start)));
    }
    return messages;
  }

  /** Opens the sender's next second if `message` was sent in it, and its stamp can be true. */
  #openSecond(message: unknown): void {
    const sentAt = (message as { sentAt?: unknown } | null)?.sentAt;
    if (typeof sentAt !== 'number' || !(sentAt - this.#secondStart >= 1000)) return;
    this.#firstSentAt ??= sentAt;
    if (sentAt - this.#firstSentAt > this.#clock.now() - this.#madeAt + 1000) return;
    [this.#secondStart, this.#secondMessages, this.#secondBytes] = [sentAt, 0, 0];
  }

  #cut(reason: InboxOverflow['reason'], reached: number, limit: number): [] {
    this.#overflow = { reason, reached, limit };
    [this.#partial, this.#partialBytes] = [[], 0];
    return [];
  }
}
