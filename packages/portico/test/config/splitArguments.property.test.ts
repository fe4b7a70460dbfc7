import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitArguments } from '../../src/internal/config/splitArguments.ts';

/** Quotes one argument the way a Windows program expects (the inverse of CommandLineToArgvW). */
function quote(arg: string): string {
  if (arg !== '' && !/[ \t"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const char of arg) {
    if (char === '\\') slashes++;
    else if (char === '"') {
      out += `${'\\'.repeat(slashes * 2 + 1)}"`;
      slashes = 0;
    } else {
      out += `${'\\'.repeat(slashes)}${char}`;
      slashes = 0;
    }
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

describe('splitArguments (property)', () => {
  it('gives back any list of arguments quoted as a Windows command line', () => {
    const arg = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\t', '"', '\\', 'x', '/') });
    const seed = Date.now();
    try {
      fc.assert(
        fc.property(fc.array(arg, { maxLength: 6 }), (args) => {
          assert.deepEqual(splitArguments(args.map(quote).join(' ')), args);
        }),
        { seed, interruptAfterTimeLimit: 2000, numRuns: 2000 },
      );
    } catch (error) {
      console.error(`splitArguments property failed with seed ${seed}`);
      throw error;
    }
  });
});
