// One byte rule for header fields on both fronts (RFC 9113 §8.2.1): the same name and value bytes
// sent as an HTTP/1.1 line and as an HTTP/2 field, to the same h2c listener, must either reach the
// backend as the same bytes or not reach it at all. HTTP/2 fields are crafted frames (HPACK
// literals, byte for byte), since node:http2's client refuses to send most of them.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import { FrameType, headers, RawHttp2Client, request } from '@portico/test-support/http2';
import { h2Request, startFront, startRecordingBackend, type Front, type RecordingBackend } from './helpers/http2Front.ts';

/** HPACK's static table index 8 is `:status: 200`; a response starting with it is a 200. */
const STATUS_200 = 0x88;
const PROTOCOL_ERROR = http2.constants.NGHTTP2_PROTOCOL_ERROR;
/**
 * Node 24 and 26 let Portico turn nghttp2's check of SP and HTAB at a value's ends off
 * (`strictFieldWhitespaceValidation`), so such a value reaches Portico's own check (400); Node 20's
 * nghttp2 drops the field (docs/proxy.md, One byte rule).
 */
const whitespaceReachesPortico = Number(process.versions.node.split('.')[0]) >= 24;

interface Sent {
  /** The answer's status (HTTP/1.1), or `200` / `refused` (HTTP/2: a non-200 answer or a reset). */
  readonly verdict: number | 'refused';
  /** Every byte the backend got for this request, latin1. */
  readonly backendBytes: string;
}

describe('HTTP/2 and HTTP/1.1 field bytes: one rule', function () {
  let backend: RecordingBackend;
  let front: Front;

  before(async () => {
    backend = await startRecordingBackend();
    front = await startFront({ h2c: true }, backend.port);
  });
  after(async () => {
    await front.close();
    await backend.close();
  });

  /** Runs `send` and returns what the backend got meanwhile (requests are sent one at a time). */
  async function backendBytesOf<T>(send: () => Promise<T>): Promise<[T, string]> {
    const before = backend.bytes().length;
    const result = await send();
    return [result, backend.bytes().slice(before)];
  }

  async function overHttp1(name: string, value: string): Promise<Sent> {
    const [status, backendBytes] = await backendBytesOf(async () => {
      const socket = net.connect(front.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(Buffer.from(`GET /p HTTP/1.1\r\nhost: front.test\r\n${name}: ${value}\r\nconnection: close\r\n\r\n`, 'latin1'));
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      await once(socket, 'close');
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1]);
    });
    return { verdict: status, backendBytes };
  }

  async function overHttp2(name: string, value: string): Promise<Sent> {
    const [verdict, backendBytes] = await backendBytesOf(async () => {
      const client = await RawHttp2Client.connect(front.port);
      try {
        client.send(headers(1, request('GET', '/p', [[name, value]]), true));
        const outcome = await client.outcome(1);
        // The backend records a request before it answers, so its bytes are in by now.
        return outcome.kind === 'response' && outcome.firstByte === STATUS_200 ? (200 as const) : ('refused' as const);
      } finally {
        client.close();
      }
    });
    return { verdict, backendBytes };
  }

  const show = (s: string): string => JSON.stringify(s);
  const fieldLine = (name: string, value: string): string => `${name}: ${value}\r\n`;

  it('forwards obs-text (U+00A0, UTF-8 bytes, 0x80-0xFF) in a value as the same bytes on both', async () => {
    const values = ['a\xa0b', '\xa0', '\xa0ab\xa0', 'caf\xc3\xa9', '\x80\xff', 'x\x85y', ''];
    for (const value of values) {
      const h1 = await overHttp1('x-foo', value);
      const h2 = await overHttp2('x-foo', value);
      assert.equal(h1.verdict, 200, show(value));
      assert.equal(h2.verdict, 200, show(value));
      assert.ok(h1.backendBytes.includes(fieldLine('x-foo', value)), `HTTP/1.1 ${show(value)}: ${show(h1.backendBytes)}`);
      assert.ok(h2.backendBytes.includes(fieldLine('x-foo', value)), `HTTP/2 ${show(value)}: ${show(h2.backendBytes)}`);
    }
  });

  it('never lets a value byte the HTTP/1.1 framer refuses reach the backend over HTTP/2', async () => {
    for (const value of ['a\0b', 'a\rb', 'a\nb', 'a\x01b', 'a\x0bb', 'a\x1fb', 'a\x7fb']) {
      const h1 = await overHttp1('x-foo', value);
      assert.equal(h1.verdict, 400, show(value));
      assert.equal(h1.backendBytes, '', show(value));
      // nghttp2 drops such a field before Portico sees the stream (node:http2 ignores invalid
      // fields), so the request may be served without it; either way none of its bytes go on.
      const h2 = await overHttp2('x-foo', value);
      assert.ok(!/x-foo/i.test(h2.backendBytes), `HTTP/2 ${show(value)}: ${show(h2.backendBytes)}`);
    }
  });

  it('never lets a name byte the HTTP/1.1 framer refuses reach the backend over HTTP/2', async () => {
    for (const name of ['x foo', 'x@foo', 'x"foo', 'x(foo', 'x\xa0foo', 'x\x80foo', 'x\x7ffoo']) {
      const h1 = await overHttp1(name, 'v-secret');
      assert.equal(h1.verdict, 400, show(name));
      const h2 = await overHttp2(name, 'v-secret');
      assert.ok(!h2.backendBytes.includes('v-secret'), `HTTP/2 ${show(name)}: ${show(h2.backendBytes)}`);
    }
  });

  it('never forwards over HTTP/2 what RFC 9113 calls malformed and HTTP/1.1 reads otherwise: an upper-case name, SP or HTAB at a value\'s ends', async () => {
    const upper = await overHttp1('X-Foo', 'v');
    assert.equal(upper.verdict, 200);
    const upper2 = await overHttp2('X-Foo', 'v');
    assert.equal(upper2.verdict, 'refused');
    assert.equal(upper2.backendBytes, '');
    for (const value of [' a', 'a ', '\ta', 'a\t']) {
      const h1 = await overHttp1('x-foo', value);
      assert.equal(h1.verdict, 200, show(value));
      assert.ok(h1.backendBytes.includes(fieldLine('x-foo', 'a')), 'HTTP/1.1 trims optional whitespace');
      const h2 = await overHttp2('x-foo', value);
      assert.ok(!h2.backendBytes.includes('x-foo'), `HTTP/2 ${show(value)}: ${show(h2.backendBytes)}`);
      if (whitespaceReachesPortico) {
        assert.equal(h2.verdict, 'refused', show(value));
        assert.equal(h2.backendBytes, '', show(value));
      }
    }
  });

  it('refuses U+00A0 around a framing or expectation value on both', async () => {
    for (const [name, value] of [['content-length', '0\xa0'], ['content-length', '\xa00'], ['expect', '100-continue\xa0']] as const) {
      const h1 = await overHttp1(name, value);
      assert.ok(h1.verdict === 400 || h1.verdict === 417, `HTTP/1.1 ${name}: ${show(value)} got ${h1.verdict}`);
      assert.equal(h1.backendBytes, '');
      const h2 = await overHttp2(name, value);
      assert.equal(h2.verdict, 'refused', `HTTP/2 ${name}: ${show(value)}`);
      assert.equal(h2.backendBytes, '');
    }
  });
  // What a client sees for those bytes, precisely (docs/proxy.md, One byte rule): no 400 can be
  // given, on Node 20.19+, 24 or 26. nghttp2 decides before node:http2 hands Portico the stream:
  // an invalid regular field is dropped (node:http2 ignores invalid fields and gives JavaScript no
  // way to ask otherwise), and a malformed one resets the stream before any handler runs.

  it('serves a node:http2 client\'s request whose value holds CR, LF, a control or DEL without that field: the backend\'s 200, on a connection that goes on; SP at an end the same on Node 20, 400 on Node 24 and 26', async () => {
    const session = http2.connect(`http://127.0.0.1:${front.port}`);
    try {
      for (const value of ['a\rb', 'a\nb', 'a\r\nx-injected: 1', 'a\x01b', 'a\x7fb', ' a', 'a\t']) {
        const before = backend.seen.length;
        const answer = await h2Request(session, { ':path': '/dropped', 'x-foo': value });
        if (whitespaceReachesPortico && /^[ \t]|[ \t]$/.test(value)) {
          assert.equal(answer.status, 400, show(value));
          assert.equal(backend.seen.length, before, show(value));
          continue;
        }
        assert.equal(answer.status, 200, show(value));
        assert.equal(answer.body.toString(), 'ok:GET /dropped', show(value));
        const seen = backend.seen.slice(before);
        assert.equal(seen.length, 1, show(value));
        const names = seen[0]!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
        assert.ok(!names.includes('x-foo') && !names.includes('x-injected'), `${show(value)}: ${names.join(', ')}`);
      }
      assert.equal(session.closed || session.destroyed, false);
    } finally {
      session.close();
    }
  });

  it('resets the stream with PROTOCOL_ERROR, never a response or GOAWAY, for a malformed field a node:http2 client sends: CR or LF in :path or :method, a content-length that is not a number', async () => {
    const session = http2.connect(`http://127.0.0.1:${front.port}`);
    try {
      const before = backend.seen.length;
      const cases: http2.OutgoingHttpHeaders[] = [{ ':path': '/a\nb' }, { ':path': '/a\r\nx-injected: 1' }, { ':path': '/', ':method': 'G\rET' }, { ':path': '/', 'content-length': 'abc' }, { ':path': '/', 'content-length': '0\xa0' }];
      for (const fields of cases) {
        const outcome = await new Promise<string>((resolve) => {
          const stream = session.request(fields);
          stream.on('response', (h) => resolve(`response ${String(h[':status'])}`));
          stream.on('error', () => resolve(`reset ${stream.rstCode}`));
          stream.on('close', () => resolve(`closed ${stream.rstCode}`));
          stream.resume();
          stream.end();
        });
        assert.equal(outcome, `reset ${PROTOCOL_ERROR}`, show(JSON.stringify(fields)));
      }
      assert.equal(backend.seen.length, before, 'none reached the backend');
      // A stream error, not a connection error: the same connection serves the next request.
      const answer = await h2Request(session, { ':path': '/after' });
      assert.equal(answer.status, 200);
    } finally {
      session.close();
    }
  });

  it('resets the stream with PROTOCOL_ERROR on the wire, as crafted frames show: an upper-case name, LF in :path; the next stream on the connection is served', async () => {
    for (const fields of [request('GET', '/p', [['X-Foo', 'v']]), request('GET', '/a\nb'), request('GET', '/p', [['content-length', 'abc']])]) {
      const client = await RawHttp2Client.connect(front.port);
      try {
        client.send(headers(1, fields, true));
        assert.deepEqual(await client.outcome(1), { kind: 'reset', code: PROTOCOL_ERROR }, show(JSON.stringify(fields)));
        client.send(headers(3, request('GET', '/next'), true));
        assert.deepEqual(await client.outcome(3), { kind: 'response', firstByte: STATUS_200 });
        assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0, 'no GOAWAY');
      } finally {
        client.close();
      }
    }
  });
});
