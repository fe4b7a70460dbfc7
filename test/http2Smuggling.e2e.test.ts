// HTTP/2-to-HTTP/1.1 downgrade smuggling ("HTTP/2: The Sequel is Always Worse", Kettle 2021):
// each class gets crafted frames, since node:http2's client refuses to send most of them. The pass
// condition is the one of reference/security.md: nothing smuggled ever reaches the backend, and
// the stream is answered 400 or reset; the next request is served as it should be.
import assert from 'node:assert/strict';
import { data, headers, RawHttp2Client, request } from '@portico/test-support/http2';
import { startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: front.test\r\n\r\n';

describe('HTTP/2 downgrade smuggling', function () {
  let backend: RecordingBackend;
  let front: Front;
  const clients: RawHttp2Client[] = [];

  beforeEach(async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await front.close();
    await backend.close();
  });

  const client = async (): Promise<RawHttp2Client> => {
    const c = await RawHttp2Client.connect(front.port);
    clients.push(c);
    return c;
  };

  /** Sends the attack on stream 1, then a plain GET /next on stream 3 of the same connection, and checks the backend saw only what it should. */
  /**
   * `dropped`: nghttp2 drops a field with CR, LF or NUL (node:http2 sets no invalid-header
   * callback), so the request may be served without it; the field must then never reach the backend.
   */
  async function attack(frames: Buffer[], expectForwarded: 'nothing' | 'aborted' | 'dropped'): Promise<void> {
    const c = await client();
    c.send(...frames);
    const outcome = await c.outcome(1);
    if (expectForwarded === 'dropped') {
      assert.ok(backend.seen.every((s) => !s.rawHeaders.some((h) => /x-foo|\r|\n|\0/i.test(h))), 'a field with CR, LF or NUL reached the backend');
      assert.ok(!/x-foo|transfer-encoding/i.test(backend.bytes()), backend.bytes());
      backend.seen.length = 0;
    } else {
      assert.ok(
        (outcome.kind === 'response' && outcome.firstByte === 0x8c) || outcome.kind === 'reset' || outcome.kind === 'closed',
        `stream 1 should be refused (400) or reset, got ${JSON.stringify(outcome)}`,
      );
    }
    // The next request, on this connection if it is still open or on a new one, is served alone.
    const next = c.closed ? await client() : c;
    const id = next === c ? 3 : 1;
    next.send(headers(id, request('GET', '/next'), true));
    assert.deepEqual(await next.outcome(id), { kind: 'response', firstByte: 0x88 });
    const urls = backend.seen.map((s) => `${s.url}${s.complete ? '' : ' (aborted)'}`);
    if (expectForwarded !== 'aborted') assert.deepEqual(urls, ['/next']);
    else assert.ok(urls.every((u) => u === '/next' || u.endsWith('(aborted)')) && urls.includes('/next'), urls.join());
    assert.ok(!backend.bytes().includes('/smuggled'), 'the smuggled request line reached the backend');
  }

  describe('H2.CL: a content-length the DATA contradicts', () => {
    it('never forwards DATA beyond a content-length of 0', () =>
      attack([headers(1, request('POST', '/', [['content-length', '0']]), false), data(1, SMUGGLED, true)], 'aborted'));

    it('never forwards DATA beyond a content-length of 5', () =>
      attack([headers(1, request('POST', '/', [['content-length', '5']]), false), data(1, `hello${SMUGGLED}`, true)], 'aborted'));

    it('never completes a request whose DATA is shorter than its content-length', async () => {
      await attack([headers(1, request('POST', '/', [['content-length', '100']]), false), data(1, 'short', true)], 'aborted');
      assert.ok(backend.seen.every((s) => s.url === '/next' || !s.complete));
    });

    // Http2Exchange's own content-length check (#malformed) stands behind nghttp2's: on Node 20,
    // 24 and 26 nghttp2 resets the stream before its DATA reaches Portico, so the check never runs
    // and no 400 is refused by it. Should a Node's nghttp2 stop checking, this fails: the check
    // then answers, and what it sends and records needs a test of its own.
    it('is reset by nghttp2 before Portico\'s own content-length check runs', async () => {
      const cases = [
        [headers(1, request('POST', '/', [['content-length', '5']]), false), data(1, 'hello world', true)],
        [headers(1, request('POST', '/', [['content-length', '5']]), false), data(1, 'hello', false), data(1, 'x', true)],
        [headers(1, request('POST', '/', [['content-length', '100']]), false), data(1, 'short', true)],
      ];
      for (const frames of cases) {
        const c = await client();
        c.send(...frames);
        const outcome = await c.outcome(1);
        assert.ok((outcome.kind === 'reset' && outcome.code === 0x1) || outcome.kind === 'closed', JSON.stringify(outcome));
      }
      // Status 0 is the connection nghttp2 closed (Node 22 and later), named by its bound; the check would refuse 400.
      assert.deepEqual(front.events.filter((e) => e.type === 'request.refused' && e.status !== 0), [], 'Portico\'s own check ran: nghttp2 no longer resets first');
    });
  });

  describe('H2.TE: transfer-encoding and other connection-specific fields', () => {
    it('refuses transfer-encoding: chunked', () =>
      attack([headers(1, request('POST', '/', [['transfer-encoding', 'chunked']]), false), data(1, `0\r\n\r\n${SMUGGLED}`, true)], 'nothing'));

    it('refuses connection, keep-alive, proxy-connection and upgrade', async () => {
      for (const [name, value] of [['connection', 'keep-alive'], ['keep-alive', '5'], ['proxy-connection', 'keep-alive'], ['upgrade', 'h2c']] as const) {
        await attack([headers(1, request('GET', '/', [[name, value]]), true)], 'nothing');
        backend.seen.length = 0;
      }
    });

    it('refuses te other than trailers', () => attack([headers(1, request('GET', '/', [['te', 'chunked']]), true)], 'nothing'));
  });

  describe('CRLF and NUL in names and values', () => {
    it('never forwards CRLF in a value that would add a transfer-encoding line', () =>
      attack([headers(1, request('GET', '/', [['x-foo', 'a\r\ntransfer-encoding: chunked']]), true)], 'dropped'));

    it('never forwards CRLF in a value that would end the head and start a request', () =>
      attack([headers(1, request('GET', '/', [['x-foo', `a\r\n\r\n${SMUGGLED}`]]), true)], 'dropped'));

    it('never forwards a bare LF, a bare CR or a NUL in a value', async () => {
      for (const value of ['a\nx-b: c', 'a\rx-b: c', 'a\0b']) {
        await attack([headers(1, request('GET', '/', [['x-foo', value]]), true)], 'dropped');
        backend.seen.length = 0;
      }
    });

    it('never forwards CRLF in a name', () => attack([headers(1, request('GET', '/', [['x-foo\r\ntransfer-encoding', 'chunked']]), true)], 'dropped'));

    it('refuses CRLF in :authority', () =>
      attack([headers(1, [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', `front.test\r\n\r\n${SMUGGLED}`]], true)], 'nothing'));

    it('refuses an upper-case name', () => attack([headers(1, request('GET', '/', [['Transfer-Encoding', 'chunked']]), true)], 'nothing'));
  });

  describe('request-line injection through :method and :path', () => {
    it('refuses a :method carrying a request line', () =>
      attack([headers(1, [[':method', `GET /smuggled HTTP/1.1\r\nHost: front.test\r\n\r\nGET`], [':scheme', 'http'], [':path', '/'], [':authority', 'front.test']], true)], 'nothing'));

    it('refuses a :method with a space', () =>
      attack([headers(1, [[':method', 'GET /smuggled'], [':scheme', 'http'], [':path', '/'], [':authority', 'front.test']], true)], 'nothing'));

    it('refuses a :path carrying a request line', () =>
      attack([headers(1, request('GET', `/ HTTP/1.1\r\nHost: front.test\r\n\r\nGET /smuggled`), true)], 'nothing'));

    it('refuses a :path with a space and a version', () => attack([headers(1, request('GET', '/smuggled HTTP/1.1'), true)], 'nothing'));

    it('refuses a :path that is not origin-form', async () => {
      for (const path of ['http://evil.test/smuggled', '//evil.test/smuggled', 'smuggled']) {
        await attack([headers(1, request('GET', path), true)], 'nothing');
        backend.seen.length = 0;
      }
    });
  });

  describe('pseudo-headers', () => {
    it('refuses a repeated, unknown, late or missing pseudo-header', async () => {
      const cases: Array<Array<readonly [string, string]>> = [
        [...request('GET', '/'), [':path', '/smuggled']],
        [...request('GET', '/'), [':foo', 'x']],
        [[':method', 'GET'], [':scheme', 'http'], ['x-a', 'b'], [':path', '/smuggled'], [':authority', 'front.test']],
        [[':method', 'GET'], [':scheme', 'http'], [':authority', 'front.test']],
      ];
      for (const fields of cases) {
        await attack([headers(1, fields, true)], 'nothing');
        backend.seen.length = 0;
      }
    });

    it('refuses a host field that names another authority than :authority', () =>
      attack([headers(1, request('GET', '/smuggled', [['host', 'evil.test']]), true)], 'nothing'));
  });
});
