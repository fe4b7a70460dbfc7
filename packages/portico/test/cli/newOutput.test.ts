import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newOutput } from '../../src/cli/internal/newOutput.ts';
import { duration } from '../../src/cli/internal/statusTable.ts';

describe('newOutput', () => {
  it('is what the tail grew by', () => {
    assert.equal(newOutput('a\nb\n', 'a\nb\nc\n'), 'c\n');
  });

  it('is nothing when the tail is unchanged', () => {
    assert.equal(newOutput('a\nb\n', 'a\nb\n'), '');
  });

  it('finds the new end after the full tail dropped lines from its front', () => {
    assert.equal(newOutput('a\nb\nc\n', 'c\nd\ne\n'), 'd\ne\n');
  });

  it('is all of the tail when nothing overlaps', () => {
    assert.equal(newOutput('a\nb\n', 'x\ny\n'), 'x\ny\n');
  });

  it('recovers the added lines of any tail that dropped whole lines and grew', () => {
    const line = fc.stringMatching(/^[a-z]{1,4}\n$/);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.array(line, { minLength: 1, maxLength: 8 }), fc.nat(), (old, added, cut) => {
        // Distinct lines, as a real tail's timestamps or counters make them; repeats are ambiguous.
        fc.pre(new Set([...old, ...added]).size === old.length + added.length);
        const kept = old.slice(cut % old.length);
        assert.equal(newOutput(old.join(''), [...kept, ...added].join('')), added.join(''));
      }),
      { interruptAfterTimeLimit: 2000, verbose: true },
    );
  });
});

describe('duration', () => {
  for (const [ms, text] of [[999, '0s'], [59_000, '59s'], [61_000, '1m 01s'], [3_660_000, '1h 01m'], [90_000_000, '1d 01h']] as const) {
    it(`writes ${ms} ms as ${text}`, () => assert.equal(duration(ms), text));
  }
});
