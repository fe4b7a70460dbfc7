import assert from 'node:assert/strict';
import { hostName, isAllowedHost } from '../../src/admin/internal/isAllowedHost.ts';

describe('isAllowedHost', () => {
  it('takes the name out of a Host value with or without port and brackets', () => {
    assert.deepEqual(['LocalHost:80', '[::1]:9901', '[::1]', 'example.com.', 'a.b'].map(hostName), ['localhost', '::1', '::1', 'example.com', 'a.b']);
  });

  it('finds no name in a malformed Host value', () => {
    assert.deepEqual(['', 'a b', '[::1', '[::1]x', 'a:b:c', 'h:99999999', 'user@host'].map(hostName), [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  // Issue 15: whitespace in wire data is SP and HTAB only; a latin1 0xA0 is U+00A0, which trim() strips.
  it('finds no name in a Host value padded with 0xA0', () => {
    assert.deepEqual(['localhost\xa0', '\xa0localhost:9901'].map(hostName), [undefined, undefined]);
    assert.equal(isAllowedHost('localhost\xa0', new Set()), false);
  });

  it('allows loopback names and addresses, and localhost\'s subdomains, which a browser resolves to loopback itself', () => {
    for (const host of ['localhost:9901', 'x.localhost', '127.0.0.1', '127.255.0.9:80', '[::1]:9901', '[::ffff:127.0.0.1]']) assert.equal(isAllowedHost(host, new Set()), true, host);
    for (const host of ['localhostx', 'localhost.evil', '128.0.0.1', '[::2]', '127.0.0.1.nip.io', '0.0.0.0']) assert.equal(isAllowedHost(host, new Set()), false, host);
  });

  it('allows the configured names and nothing for a missing header', () => {
    const allowed = new Set(['admin.internal']);
    assert.equal(isAllowedHost('admin.internal:9901', allowed), true);
    assert.equal(isAllowedHost('other.internal', allowed), false);
    assert.equal(isAllowedHost(undefined, allowed), false);
  });
});
