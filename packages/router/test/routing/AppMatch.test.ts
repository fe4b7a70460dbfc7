import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostSpecificity, normaliseHost, pathMatches } from '../../src/routing/AppMatch.ts';
import { normaliseRequestPath } from '../../src/routing/normaliseRequestPath.ts';
import { errorPage } from '../../src/routing/errorPage.ts';

describe('AppMatch', () => {
  describe('#normaliseHost', () => {
    it('lower-cases and drops the port and a trailing dot', () => {
      assert.equal(normaliseHost('Shop.Example.COM.:8080'), 'shop.example.com');
      assert.equal(normaliseHost('[::1]:8080'), '[::1]');
      assert.equal(normaliseHost(undefined), '');
    });
  });

  describe('#hostSpecificity', () => {
    it('ranks exact over the longest suffix over any', () => {
      const exact = hostSpecificity('a.example.com', 'a.example.com');
      const suffix = hostSpecificity('*.example.com', 'a.example.com');
      const shorter = hostSpecificity('*.com', 'a.example.com');
      const any = hostSpecificity('*', 'a.example.com');
      assert.ok(exact > suffix && suffix > shorter && shorter > any && any > 0);
    });

    it('does not let *.example.com match the bare domain or a look-alike', () => {
      assert.equal(hostSpecificity('*.example.com', 'example.com'), 0);
      assert.equal(hostSpecificity('*.example.com', 'evilexample.com'), 0);
      assert.equal(hostSpecificity('example.com', 'www.example.com'), 0);
    });
  });

  describe('#pathMatches', () => {
    it('matches on segment boundaries only', () => {
      assert.ok(pathMatches('/shop', '/shop'));
      assert.ok(pathMatches('/shop', '/shop/cart'));
      assert.ok(pathMatches('/shop/', '/shop?x=1'));
      assert.ok(!pathMatches('/shop', '/shopping'));
      assert.ok(pathMatches('/', '/anything'));
    });
  });
});

describe('normaliseRequestPath', () => {
  it('decodes percent-encoded unreserved characters so an encoded prefix still matches', () => {
    assert.equal(normaliseRequestPath('/%61dmin/x?q=%61'), '/admin/x');
    assert.equal(normaliseRequestPath('/a%2Fb%2f%3F%5Cc'), '/a/b/%3F%5Cc', 'an encoded slash is the separator backends read it as; other reserved characters stay encoded');
  });

  it('refuses dot-segments, encoded or not', () => {
    for (const path of ['/a/../admin', '/./x', '/%2e%2e/admin', '/a/%2E/b', '/..']) assert.equal(normaliseRequestPath(path), undefined, path);
    assert.equal(normaliseRequestPath('/a..b/.c'), '/a..b/.c');
  });

  it('refuses dot-segments between encoded slashes or backslashes, which backends may decode into separators', () => {
    for (const path of ['/a/..%2f..%2fx', '/%2e%2e%2fx', '/a%2F..%2Fb', '/a%5c..%5cx', '/a/..%5Cx', '/a%2f.']) assert.equal(normaliseRequestPath(path), undefined, path);
    assert.equal(normaliseRequestPath('/a%2F..b'), '/a/..b', 'a segment that only starts with dots is a name');
    assert.equal(normaliseRequestPath('/a?x=..%2f..'), '/a', 'the query is not a path');
  });

  // Tomcat, Jetty and Spring drop a segment's path parameters before they resolve dot-segments.
  it('refuses a dot-segment with path parameters (`..;`, `.;x`), which such backends resolve', () => {
    for (const path of ['/a/..;/admin', '/a/..;x/admin', '/a/.;/b', '/%2e%2e;/admin', '/..;']) assert.equal(normaliseRequestPath(path), undefined, path);
    assert.equal(normaliseRequestPath('/a/..x;/b;c/.a;'), '/a/..x;/b;c/.a;', 'a segment that only starts with dots is a name');
  });

  it('refuses exactly the paths that split into a "." or ".." segment, path parameters dropped', () => {
    // The scan for dot-segments (no split per request) against the split it replaced.
    const reference = (path: string): string | undefined => {
      const query = path.indexOf('?');
      const raw = query === -1 ? path : path.slice(0, query);
      return raw.split('/').some((segment) => /^\.\.?(;|$)/.test(segment)) ? undefined : raw;
    };
    const paths = fc.array(fc.constantFrom('/', '.', '..', '...', 'a', '?', '.a', 'a.', ';', ';a'), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(fc.property(paths, (path) => normaliseRequestPath(path) === reference(path)), { numRuns: 5000, interruptAfterTimeLimit: 2000 });
  });
});

describe('errorPage', () => {
  it('names the app and correlation id and escapes what it shows', () => {
    const page = errorPage(502, '<shop>', 'req-1', { exitCode: 1, stderrTail: '<script>alert(1)</script>' });
    assert.match(page, /&lt;shop&gt;/);
    assert.match(page, /req-1/);
    assert.match(page, /&lt;script&gt;/);
    assert.doesNotMatch(page, /<script>/);
  });

  it('shows no detail unless given', () => {
    assert.doesNotMatch(errorPage(502, 'shop', 'r'), /stderr/);
  });
});
