import assert from 'node:assert/strict';
import { upstreamTarget } from '../../src/internal/policy/upstreamTarget.ts';

describe('upstreamTarget', () => {
  it('sends the client\'s target as it is without a prefix to strip', () => {
    assert.equal(upstreamTarget('/asgi/a?b', undefined), '/asgi/a?b');
    assert.equal(upstreamTarget('/asgi/a?b', '/'), '/asgi/a?b');
  });

  it('takes the mount path off, leaving at least "/"', () => {
    const cases: [string, string][] = [['/asgi/items/7?x=1', '/items/7?x=1'], ['/asgi', '/'], ['/asgi/', '/'], ['/asgi?q', '/?q'], ['/a/b/c', '/c']];
    for (const [path, target] of cases) {
      assert.equal(upstreamTarget(path, path.startsWith('/a/') ? '/a/b' : '/asgi'), target, path);
    }
  });

  it('takes off as many decoded characters as the router matched, keeping the rest as sent', () => {
    assert.equal(upstreamTarget('/%61sgi/%61%2Fx', '/asgi'), '/%61%2Fx');
    assert.equal(upstreamTarget('/%41sgi/x', '/Asgi'), '/x');
  });

  it('takes an encoded slash as the separator the router matched it as', () => {
    assert.equal(upstreamTarget('/asgi%2Fitems%2F7?x', '/asgi'), '/items%2F7?x');
    assert.equal(upstreamTarget('/a%2Fb/c', '/a/b'), '/c');
    assert.equal(upstreamTarget('/asgi%2f', '/asgi'), '/');
  });
});
