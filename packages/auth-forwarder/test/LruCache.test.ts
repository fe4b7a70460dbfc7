import assert from 'node:assert/strict';
import { LruCache } from '../src/internal/forward/LruCache.ts';

describe('LruCache', () => {
  it('returns a value until it expires', () => {
    const cache = new LruCache<string>(2);
    cache.set('a', 'A', 100);
    assert.equal(cache.get('a', 99), 'A');
    assert.equal(cache.get('a', 100), undefined);
    assert.equal(cache.size, 0);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new LruCache<string>(2);
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 100);
    cache.get('a', 0);
    cache.set('c', 'C', 100);
    assert.equal(cache.get('b', 0), undefined);
    assert.equal(cache.get('a', 0), 'A');
    assert.equal(cache.get('c', 0), 'C');
  });
});
