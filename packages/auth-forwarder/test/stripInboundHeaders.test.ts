import assert from 'node:assert/strict';
import fc from 'fast-check';
import { identityHeaders, stripInboundHeaders, type HeaderLine, type StripInboundOptions } from '../src/index.ts';

type Lines = [string, string][];
const names = (lines: readonly HeaderLine[]): string[] => lines.map(([name]) => name);

describe('stripInboundHeaders', () => {
  it('removes every hop-by-hop header', () => {
    const out = stripInboundHeaders([
      ['connection', 'keep-alive'], ['keep-alive', 'timeout=5'], ['proxy-connection', 'keep-alive'],
      ['te', 'trailers'], ['trailer', 'x-checksum'], ['transfer-encoding', 'chunked'], ['upgrade', 'h2c'],
      ['proxy-authorization', 'Basic eDp5'], ['accept', '*/*'],
    ]);
    assert.deepEqual(out, [['accept', '*/*']]);
  });

  it('removes hop-by-hop headers in folded spellings such as Transfer_Encoding', () => {
    const out = stripInboundHeaders([['transfer_encoding', 'chunked'], ['Keep.Alive', '1'], ['accept', '*/*']]);
    assert.deepEqual(names(out), ['accept']);
  });

  it('removes the headers a Connection line names, case-insensitively', () => {
    const out = stripInboundHeaders([['connection', 'X-Trace, close'], ['x-trace', '1'], ['accept', '*/*']]);
    assert.deepEqual(names(out), ['accept']);
  });

  it('honours tokens of every Connection line, not only the first', () => {
    const out = stripInboundHeaders([
      ['connection', 'x-one'], ['x-one', '1'], ['x-two', '2'], ['connection', ' x-two ,,'], ['x-three', '3'],
    ]);
    assert.deepEqual(names(out), ['x-three']);
  });

  it('removes x-portico-user and keep-alive named by "Connection: x-portico-user, keep-alive"', () => {
    const out = stripInboundHeaders([
      ['connection', 'x-portico-user, keep-alive'], ['keep-alive', '5'], ['x-portico-user', 'root'], ['accept', '*/*'],
    ]);
    assert.deepEqual(names(out), ['accept']);
  });

  it('never lets a Connection token remove a header Portico appends afterwards', () => {
    const inbound: Lines = [['connection', 'x-portico-user, x-forwarded-for, x-portico-auth'], ['host', 'a']];
    const forwarded = [...stripInboundHeaders(inbound), ...identityHeaders({ user: 'alice', scheme: 'basic' })];
    assert.deepEqual(forwarded, [['host', 'a'], ['x-portico-user', 'alice'], ['x-portico-auth', 'basic']]);
  });

  it('keeps Host and Content-Length even when a Connection token names them', () => {
    const out = stripInboundHeaders([['connection', 'host, content-length'], ['host', 'a'], ['content-length', '3']]);
    assert.deepEqual(out, [['host', 'a'], ['content-length', '3']]);
  });

  for (const spelling of ['X_Portico_User', 'x.portico.user', 'X-PORTICO-USER', 'x-portico-user', 'x_portico.token', 'X-Portico_Claims']) {
    it(`removes the identity spoof "${spelling}"`, () => {
      assert.deepEqual(stripInboundHeaders([[spelling, 'root'], ['accept', '*/*']]), [['accept', '*/*']]);
    });
  }

  for (const spelling of ['x-forwarded_for', 'X.Forwarded.Host', 'x-forwarded-proto', 'X_FORWARDED_PORT', 'x-forwarded-email', 'forwarded', 'Forwarded']) {
    it(`removes the forwarding spoof "${spelling}"`, () => {
      assert.deepEqual(stripInboundHeaders([[spelling, '10.0.0.1'], ['accept', '*/*']]), [['accept', '*/*']]);
    });
  }

  for (const spelling of ['ms-aspnetcore-token', 'MS_ASPNETCORE_CLIENTCERT', 'ms.aspnetcore.winauthtoken', 'ms-aspnetcore-event']) {
    it(`removes the ASP.NET Core Module header "${spelling}"`, () => {
      assert.deepEqual(stripInboundHeaders([[spelling, 'x'], ['accept', '*/*']]), [['accept', '*/*']]);
    });
  }

  it('removes Content_Length variants that a folding backend would read as a second Content-Length', () => {
    const out = stripInboundHeaders([['host', 'a'], ['content-length', '3'], ['content_length', '40'], ['Content.Length', '7']]);
    assert.deepEqual(out, [['host', 'a'], ['content-length', '3']]);
  });

  it('removes x-request-id in every spelling unless trusted', () => {
    const inbound: Lines = [['x-request-id', 'a'], ['X_Request_Id', 'b']];
    assert.deepEqual(stripInboundHeaders(inbound), []);
    assert.deepEqual(stripInboundHeaders(inbound, { trustRequestId: true }), inbound);
  });

  it('removes Authorization unless forwardAuthToken is set', () => {
    const inbound: Lines = [['authorization', 'Bearer t'], ['accept', '*/*']];
    assert.deepEqual(names(stripInboundHeaders(inbound)), ['accept']);
    assert.deepEqual(stripInboundHeaders(inbound, { forwardAuthToken: true }), inbound);
  });

  it('removes the reserved names an authenticator adds, in every spelling', () => {
    const out = stripInboundHeaders([['x_auth_groups', 'admin'], ['X-Auth-Groups', 'admin'], ['accept', '*/*']], {
      reservedHeaders: ['x-auth-groups'],
    });
    assert.deepEqual(names(out), ['accept']);
  });

  it('keeps a validated WebSocket upgrade as one Upgrade and one "connection: upgrade"', () => {
    const out = stripInboundHeaders([
      ['host', 'a'], ['connection', 'Upgrade, x-secret'], ['upgrade', 'websocket'], ['x-secret', '1'],
      ['connection', 'keep-alive'], ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ], { keepWebSocketUpgrade: true });
    assert.deepEqual(out, [
      ['host', 'a'], ['connection', 'upgrade'], ['upgrade', 'websocket'], ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ]);
  });

  it('removes an h2c upgrade and its HTTP2-Settings even when asked to keep WebSocket upgrades', () => {
    const out = stripInboundHeaders([
      ['connection', 'Upgrade, HTTP2-Settings'], ['upgrade', 'h2c'], ['http2-settings', 'AAMAAABkAARAAAAAAAIAAAAA'], ['host', 'a'],
    ], { keepWebSocketUpgrade: true });
    assert.deepEqual(out, [['host', 'a']]);
  });

  it('returns a new array of the same tuples in order and leaves the input alone', () => {
    const inbound: Lines = [['accept', '*/*'], ['x-portico-user', 'root'], ['cookie', 'a=1']];
    const copy = structuredClone(inbound);
    const out = stripInboundHeaders(inbound);
    assert.notEqual(out, inbound);
    assert.equal(out[0], inbound[0]);
    assert.equal(out[1], inbound[2]);
    assert.deepEqual(inbound, copy);
  });

  describe('property: random header lists', () => {
    const reservedExact = new Set(['forwarded']);
    const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization'];
    // The contract restated independently of the implementation.
    const fold = (name: string): string => name.toLowerCase().replaceAll('_', '-').replaceAll('.', '-');
    const reserved = (name: string, options: StripInboundOptions): boolean => {
      const folded = fold(name);
      return /^(x-portico-|x-forwarded-|ms-aspnetcore)/.test(folded) || reservedExact.has(folded) ||
        (folded === 'x-request-id' && !options.trustRequestId) ||
        (folded === 'authorization' && !options.forwardAuthToken) ||
        (/[_.]/.test(name) && folded === 'content-length');
    };

    const interesting = [
      'x-portico-user', 'X_Portico_User', 'x.portico.token', 'x-forwarded-for', 'x-forwarded_for', 'X.Forwarded.Proto',
      'forwarded', 'x-request-id', 'x_request_id', 'authorization', 'Authorization', 'ms-aspnetcore-token',
      'MS_ASPNETCORE_CLIENTCERT', 'content-length', 'content_length', 'Content.Length', 'host', 'accept', 'cookie', 'x-trace',
      'x_trace', 'user-agent', ...hopByHop, 'Transfer_Encoding', 'keep.alive',
    ];
    const headerName = fc.oneof(fc.constantFrom(...interesting), fc.stringMatching(/^[a-zA-Z0-9_.-]{1,10}$/));
    const connectionValue = fc.array(fc.oneof(headerName, fc.constant('')), { maxLength: 5 })
      .chain((tokens) => fc.constantFrom(',', ', ', ' ,\t').map((separator) => tokens.join(separator)));
    const line = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(headerName, fc.string({ maxLength: 8 })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('connection', 'Connection'), connectionValue) },
    );
    const options = fc.record({ trustRequestId: fc.boolean(), forwardAuthToken: fc.boolean() });

    it('never outputs a reserved or hop-by-hop name and keeps every other header in order', () => {
      fc.assert(
        fc.property(fc.array(line, { maxLength: 24 }), options, (headers, policy) => {
          const out = stripInboundHeaders(headers, policy);
          for (const [name] of out) {
            assert.ok(!reserved(name, policy), `reserved ${name} kept`);
            assert.ok(!hopByHop.includes(fold(name)), `hop-by-hop ${name} kept`);
          }
          const tokens = new Set(
            headers.filter(([name]) => fold(name) === 'connection').flatMap(([, value]) => value.split(',').map((t) => fold(t.trim()))),
          );
          const expected = headers.filter(([name]) =>
            !reserved(name, policy) && !hopByHop.includes(fold(name)) &&
            !(tokens.has(fold(name)) && fold(name) !== 'host' && fold(name) !== 'content-length'));
          assert.equal(out.length, expected.length);
          out.forEach((kept, index) => assert.equal(kept, expected[index], 'same tuple, same order'));
        }),
        { numRuns: 3000, interruptAfterTimeLimit: 5000 },
      );
    });
  });
});
