import assert from 'node:assert/strict';
import { newRequestId } from '../../src/internal/forward/newRequestId.ts';

describe('newRequestId', () => {
  // Enough ids to cross many refills of the random pool (256 ids each).
  let ids: string[] = [];
  before(() => {
    ids = Array.from({ length: 20_000 }, () => newRequestId());
  });

  it('gives 21 URL-safe characters', () => {
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{21}$/);
  });

  it('never repeats, across refills of its pool', () => {
    assert.equal(new Set(ids).size, ids.length);
  });

  it('uses all 64 symbols about evenly in every position', () => {
    // 20 000 draws over 64 symbols: about 312 each (standard deviation 17.5). A count outside
    // 201..429 in any position means bits are lost or the mapping is skewed; by chance alone, that
    // happens in fewer than one run in a million.
    for (let position = 0; position < 21; position++) {
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id[position]!, (counts.get(id[position]!) ?? 0) + 1);
      assert.equal(counts.size, 64, `position ${position} uses ${counts.size} symbols`);
      for (const [symbol, count] of counts) assert.ok(count > 200 && count < 430, `'${symbol}' at ${position}: ${count}`);
    }
  });
});
