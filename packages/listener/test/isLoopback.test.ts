import assert from 'node:assert/strict';
import { isLoopback } from '../src/isLoopback.ts';

// One rule for the admin endpoint's Host check, the forward authenticator's http: URLs and the
// config's check of auth loops: each had a copy, and the authenticator's refused the mapped form
// of 127.0.0.1 that the URL parser writes ([::ffff:7f00:1]).
describe('isLoopback', () => {
  it('counts localhost, 127/8, ::1 in any form and mapped 127/8, with or without brackets', () => {
    for (const name of ['localhost', 'LocalHost', '127.0.0.1', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:7f00:1]']) assert.ok(isLoopback(name), name);
  });

  it('counts other addresses, look-alike names and localhost\'s subdomains as not loopback', () => {
    for (const name of ['x.localhost', 'localhostx', 'localhost.evil', '128.0.0.1', '::2', '::', '::ffff:10.0.0.1', '::ffff:a00:1', '127.0.0.1.nip.io', '0.0.0.0', '127.1', '[127.0.0.1]', '']) assert.ok(!isLoopback(name), name);
  });
});
