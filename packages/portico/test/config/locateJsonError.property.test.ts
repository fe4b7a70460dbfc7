import assert from 'node:assert/strict';
import fc from 'fast-check';
import { locateJsonError } from '../../src/internal/config/locateJsonError.ts';

describe('locateJsonError (property)', () => {
  it('finds no error in any text JSON.parse accepts, and one inside the text in any it refuses', () => {
    // Texts near JSON: valid documents joined with the characters that break them.
    const piece = fc.oneof(fc.json(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', "'", ' ', '\n', '\\', 'tru', '-', '1e', '0x1', '\t', '\u0001'));
    const seed = Date.now();
    try {
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
          const text = pieces.join('');
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          const found = locateJsonError(text);
          if (valid) return assert.equal(found, undefined, `${JSON.stringify(text)} is JSON`);
          assert.ok(found, `${JSON.stringify(text)} is not JSON`);
          assert.ok(found.offset >= 0 && found.offset <= text.length, `offset ${found.offset} outside ${JSON.stringify(text)}`);
        }),
        { seed, interruptAfterTimeLimit: 2000, numRuns: 3000 },
      );
    } catch (error) {
      console.error(`locateJsonError property failed with seed ${seed}`);
      throw error;
    }
  });
});
