import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineAssembler, type AssembledLines } from '../src/internal/LineAssembler.ts';

const stamp = (time: number): string => `[${time}] `;

function run(assembler: LineAssembler, chunks: string[]): AssembledLines[] {
  const out: AssembledLines[] = [];
  chunks.forEach((chunk, i) => {
    const lines = assembler.push(Buffer.from(chunk), i);
    if (lines !== undefined) out.push(lines);
  });
  const last = assembler.end();
  if (last !== undefined) out.push(last);
  return out;
}

const text = (parts: readonly (readonly Buffer[])[]): string => Buffer.concat(parts.flat()).toString();
const chunksArb = fc.array(fc.stringMatching(/^[ab\n]{0,12}$/), { maxLength: 30 });

describe('LineAssembler', () => {
  it('gives back exactly the bytes it was given, in order, however they were chunked', () => {
    fc.assert(
      fc.property(chunksArb, (chunks) => {
        const out = run(new LineAssembler(undefined, 1024), chunks);
        assert.equal(text(out.map((o) => o.plain)), chunks.join(''));
        assert.equal(text(out.map((o) => o.written)), chunks.join(''));
      }),
      { interruptAfterTimeLimit: 2000 },
    );
  });

  it('releases only whole lines until the stream ends', () => {
    fc.assert(
      fc.property(chunksArb, (chunks) => {
        const assembler = new LineAssembler(undefined, 1024);
        chunks.forEach((chunk, i) => {
          const lines = assembler.push(Buffer.from(chunk), i);
          if (lines !== undefined) assert.ok(text([lines.plain]).endsWith('\n'));
        });
      }),
      { interruptAfterTimeLimit: 2000 },
    );
  });

  it('stamps every line once, with the arrival time of its first byte', () => {
    fc.assert(
      fc.property(chunksArb, (chunks) => {
        const written = text(run(new LineAssembler(stamp, 1024), chunks).map((o) => o.written));
        const expected: string[] = [];
        let lineStart = true;
        chunks.forEach((chunk, i) => {
          for (const char of chunk) {
            if (lineStart) expected.push(stamp(i));
            expected.push(char);
            lineStart = char === '\n';
          }
        });
        assert.equal(written, expected.join(''));
      }),
      { interruptAfterTimeLimit: 2000 },
    );
  });

  it('releases an over-long line in pieces and stamps only its first piece', () => {
    const assembler = new LineAssembler(stamp, 4);
    const first = assembler.push(Buffer.from('abcde'), 1);
    const second = assembler.push(Buffer.from('fg\nh'), 2);
    const last = assembler.end();
    assert.equal(text([first?.written ?? []]), '[1] abcde');
    assert.equal(text([second?.written ?? []]), 'fg\n');
    assert.equal(text([last?.written ?? []]), '[2] h');
  });
});
