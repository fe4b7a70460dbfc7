import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readIntoSharedBuffer } from '../../src/internal/forward/readIntoSharedBuffer.ts';
import { sharedReadBuffer } from '../../src/internal/forward/sharedReadBuffer.ts';
import { TunnelRelay } from '../../src/internal/forward/TunnelRelay.ts';
import { socketPair } from './socketPair.ts';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('TunnelRelay', () => {
  it('relays 16 MiB intact and in order to a far side that stops reading and resumes, holding at most two buffers of its own', async () => {
    // sender → source (read through onread, as a tunnel reads) → relay → to → far. `to` queues up
    // to 1 MiB before write() says wait, so many large reads land while it has bytes queued: each
    // must be copied, or every one queued as it is would hold its 128 KiB buffer (docs/proxy.md,
    // WebSocket echo: at most two own buffers per direction whatever the high-water mark).
    const from = await socketPair({ pauseOnConnect: true });
    const onward = await socketPair({ highWaterMark: 1024 * 1024 });
    const { accepted: source, client: sender } = from;
    const { accepted: to, client: far } = onward;
    try {
      far.pause();
      const relay = new TunnelRelay(to, true);
      // Which of the relay's own buffers the source reads into now, and the writes `to` still holds of each.
      let current: ArrayBufferLike | undefined;
      const pendingWrites = new Map<ArrayBufferLike, number>();
      let mostHeld = 0;
      let ownWrites = 0;
      let readsBehindQueue = 0;
      const countHeld = (): void => {
        const held = new Set([...pendingWrites].filter(([, n]) => n > 0).map(([buffer]) => buffer));
        if (current !== undefined) held.add(current);
        mostHeld = Math.max(mostHeld, held.size);
      };
      const write = to.write.bind(to) as (chunk: Buffer, done: () => void) => boolean;
      to.write = ((chunk: Buffer): boolean => {
        const buffer = chunk.buffer;
        if (buffer === sharedReadBuffer.buffer) assert.fail('a read of the shared buffer was written as it is');
        // A buffer the relay gave the source: `to` holds it until the write's callback.
        const own = pendingWrites.has(buffer) || buffer === current;
        if (!own) return write(chunk, () => {});
        ownWrites++;
        pendingWrites.set(buffer, (pendingWrites.get(buffer) ?? 0) + 1);
        countHeld();
        return write(chunk, () => {
          pendingWrites.set(buffer, pendingWrites.get(buffer)! - 1);
        });
      }) as typeof to.write;
      let heldBack = (): void => {};
      const wasHeldBack = new Promise<void>((resolve) => (heldBack = resolve));
      const switched = readIntoSharedBuffer(
        source,
        (chunk) => {
          if (to.writableLength > 0) readsBehindQueue++;
          if (!relay.relay(chunk)) {
            // As a tunnel does: the source waits for the far side's drain.
            source.pause();
            heldBack();
          }
          countHeld();
        },
        () => {
          const next = relay.nextBuffer();
          if (next !== undefined) current = next === sharedReadBuffer ? undefined : next.buffer;
          countHeld();
          return next;
        },
      );
      assert.equal(switched, true);
      to.on('drain', () => source.resume());
      source.resume();

      const sent = randomBytes(16 * 1024 * 1024);
      const received: Buffer[] = [];
      far.on('data', (chunk: Buffer) => received.push(chunk));
      const arrived = new Promise<void>((resolve) => {
        let length = 0;
        far.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length >= sent.length) resolve();
        });
      });
      const sending = (async () => {
        for (let at = 0; at < sent.length; at += 256 * 1024) {
          if (!sender.write(sent.subarray(at, at + 256 * 1024))) await once(sender, 'drain');
        }
      })();
      // The far side reads nothing until the relay has filled `to`'s queue and paused its source.
      await Promise.race([wasHeldBack, sending.then(() => assert.fail('all was sent and the far side, not reading, never held the relay back'))]);
      far.resume();
      await sending;
      await arrived;
      const got = Buffer.concat(received);
      assert.equal(got.length, sent.length);
      assert.equal(sha256(got), sha256(sent), 'the bytes arrived changed or out of order');
      // What the test is about happened: reads into the relay's own buffers written as they are, and reads behind a queue.
      assert.ok(ownWrites > 0, 'no read was written from a buffer of the relay\'s own');
      assert.ok(readsBehindQueue > 0, 'no read came while `to` had bytes queued');
      assert.ok(mostHeld <= 2, `the relay held ${mostHeld} buffers of its own at once`);
    } finally {
      from.close();
      onward.close();
    }
  });
});
