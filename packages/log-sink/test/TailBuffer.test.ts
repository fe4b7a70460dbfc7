import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TailBuffer } from '../src/internal/TailBuffer.ts';

describe('TailBuffer', () => {
  it('holds the last capacity bytes of everything pushed, however it was chunked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.array(fc.string({ unit: 'binary-ascii', maxLength: 100 })), (capacity, chunks) => {
        const tail = new TailBuffer(capacity);
        for (const chunk of chunks) tail.push(Buffer.from(chunk, 'latin1'));
        const all = chunks.join('');
        assert.equal(tail.toString(), capacity === 0 ? '' : all.slice(Math.max(0, all.length - capacity)));
      }),
      { interruptAfterTimeLimit: 2000, numRuns: 500 },
    );
  });

  it('starts at a whole character when the cut falls inside a UTF-8 sequence', () => {
    const tail = new TailBuffer(5);
    tail.push(Buffer.from('aé€b'));
    // 'aé€b' is 1+2+3+1 bytes; the last 5 are the second byte of é, then € and b.
    assert.equal(tail.toString(), '€b');
  });
});
