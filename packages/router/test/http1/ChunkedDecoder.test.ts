import assert from 'node:assert/strict';
import { ChunkedDecoder, type ChunkedDecodeResult } from '@portico/router';
import { raw } from './readMessages.ts';

function decode(text: string, chunkSize = Infinity, decoder = new ChunkedDecoder()): { result: ChunkedDecodeResult; body: string } {
  const bytes = raw(text);
  const parts: Buffer[] = [];
  let result: ChunkedDecodeResult = { kind: 'more' };
  const step = Math.min(chunkSize, bytes.length || 1);
  for (let i = 0; i < bytes.length && result.kind === 'more'; i += step) {
    result = decoder.push(bytes.subarray(i, i + step), (d) => parts.push(Buffer.from(d)));
  }
  return { result, body: Buffer.concat(parts).toString('latin1') };
}

function fails(text: string, reason?: RegExp): void {
  const { result } = decode(text);
  assert.equal(result.kind, 'error', `expected an error for ${JSON.stringify(text)}`);
  if (result.kind === 'error' && reason) assert.match(result.reason, reason);
}

describe('ChunkedDecoder', () => {
  it('passes chunk data through and ends at the last chunk', () => {
    const { result, body } = decode('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    assert.equal(body, 'hello world');
    assert.equal(result.kind, 'done');
  });

  it('returns the bytes after the body as rest', () => {
    const { result } = decode('1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n');
    assert.equal(result.kind === 'done' && result.rest.toString(), 'GET / HTTP/1.1\r\n');
  });

  it('decodes the same byte by byte', () => {
    const text = '5;a=b\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT';
    const one = decode(text);
    const split = decode(text, 1);
    assert.equal(split.body, one.body);
    assert.equal(split.result.kind, 'done');
  });

  it('hands the data of one push to onData in one piece, however many chunks carried it', () => {
    const pieces: string[] = [];
    const decoder = new ChunkedDecoder();
    const first = decoder.push(raw('1\r\na\r\n1\r\nb\r\n12\r\n0123456789abcdefgh\r\n1\r\n'), (d) => pieces.push(d.toString('latin1')));
    const second = decoder.push(raw('c\r\n2\r\nde\r\n0\r\n\r\nNEXT'), (d) => pieces.push(d.toString('latin1')));
    assert.deepEqual(pieces, ['ab0123456789abcdefgh', 'cde']);
    assert.equal(first.kind, 'more');
    assert.equal(second.kind === 'done' && second.rest.toString(), 'NEXT');
  });

  it('decodes a run of small chunks the same whole or byte by byte, whatever their size lines', () => {
    const text = `1\r\na\r\n0001\r\nb\r\n10\r\n${'c'.repeat(16)}\r\n00010\r\n${'d'.repeat(16)}\r\n1;e=f\r\ng\r\n1\r\nh\r\n0\r\n\r\n`;
    const whole = decode(text);
    assert.equal(whole.body, `ab${'c'.repeat(16)}${'d'.repeat(16)}gh`);
    assert.equal(whole.result.kind, 'done');
    assert.equal(decode(text, 1).body, whole.body);
    assert.equal(decode(text, 7).body, whole.body);
  });

  it('refuses data longer than its size within a run of small chunks', () => fails('1\r\na\r\n1\r\nbc\r\n1\r\nd\r\n0\r\n\r\n', /CRLF/));

  it('holds maxChunkLineBytes within a run of small chunks', () => {
    const { result } = decode('1\r\na\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n', Infinity, new ChunkedDecoder({ maxChunkLineBytes: 1 }));
    assert.equal(result.kind === 'error' && result.reason, 'chunk size line too long');
  });

  it('hands over the data before a malformed chunk, then the error', () => {
    const pieces: string[] = [];
    const result = new ChunkedDecoder().push(raw('1\r\na\r\n1\r\nb\r\nzz\r\n'), (d) => pieces.push(d.toString('latin1')));
    assert.deepEqual(pieces, ['ab']);
    assert.equal(result.kind, 'error');
  });

  it('keeps its own copy of what it holds between pushes: the caller may reuse its buffer', () => {
    const text = '5;a="x y";flag\r\nhello\r\n0\r\nX-Trailer-One: 1\r\nX-Two: a b\r\n\r\n';
    const bytes = raw(text);
    for (let step = 1; step < bytes.length; step++) {
      // One buffer for every push, wiped with NUL (never valid here) before the next bytes go in.
      const shared = Buffer.alloc(step);
      const decoder = new ChunkedDecoder();
      const parts: Buffer[] = [];
      let result: ChunkedDecodeResult = { kind: 'more' };
      for (let i = 0; i < bytes.length && result.kind === 'more'; i += step) {
        shared.fill(0);
        const n = bytes.copy(shared, 0, i, i + step);
        result = decoder.push(shared.subarray(0, n), (d) => parts.push(Buffer.from(d)));
      }
      assert.equal(result.kind, 'done', `pushes of ${step}: ${result.kind === 'error' ? result.reason : result.kind}`);
      assert.equal(Buffer.concat(parts).toString('latin1'), 'hello');
      assert.deepEqual(result.kind === 'done' && result.trailers, [['x-trailer-one', '1'], ['x-two', 'a b']]);
    }
  });

  it('accepts upper- and lower-case hex and leading zeros', () => assert.equal(decode('0A\r\n0123456789\r\n000\r\n\r\n').body, '0123456789'));
  it('accepts a token extension', () => assert.equal(decode('1;name=value;flag\r\nx\r\n0\r\n\r\n').result.kind, 'done'));
  it('accepts a quoted extension value', () => assert.equal(decode('1;n="a \\" b"\r\nx\r\n0\r\n\r\n').result.kind, 'done'));
  it('returns trailers', () => {
    const { result } = decode('0\r\nX-Checksum: abc\r\nX-Other:  d \r\n\r\n');
    assert.deepEqual(result.kind === 'done' && result.trailers, [['x-checksum', 'abc'], ['x-other', 'd']]);
  });

  it('refuses a 0x prefix', () => fails('0x5\r\nhello\r\n0\r\n\r\n', /after chunk size/));
  it('refuses a + sign', () => fails('+5\r\nhello\r\n0\r\n\r\n', /hexadecimal/));
  it('refuses a - sign', () => fails('-0\r\n\r\n', /hexadecimal/));
  it('refuses leading whitespace', () => fails(' 5\r\nhello\r\n0\r\n\r\n'));
  it('refuses whitespace after the size', () => fails('5 \r\nhello\r\n0\r\n\r\n'));
  it('refuses an empty size', () => fails('\r\nhello\r\n0\r\n\r\n'));
  it('refuses junk after the size', () => fails('1junk\r\nZ\r\n0\r\n\r\n'));
  it('refuses a size that overflows 2^53', () => fails('FFFFFFFFFFFFFFFFFF\r\n', /overflow/));
  it('refuses a bare LF after the size', () => fails('5\nhello\r\n0\r\n\r\n'));
  it('refuses a bare CR after the size', () => fails('5\rhello\r\n0\r\n\r\n'));
  it('refuses an empty extension (Garden T-3)', () => fails('2;\r\nab\r\n0\r\n\r\n', /extension/));
  it('refuses a bare CR in an extension', () => fails('2;a\rb\r\nab\r\n0\r\n\r\n'));
  it('refuses whitespace in an extension', () => fails('2 ; a=b\r\nab\r\n0\r\n\r\n'));
  it('refuses an unterminated quoted extension', () => fails('2;a="b\r\nab\r\n0\r\n\r\n', /extension/));
  it('bounds one chunk line', () => fails(`1;a=${'b'.repeat(5000)}\r\nx\r\n0\r\n\r\n`, /too long/));
  it('bounds extension bytes across the body (CVE-2024-22019)', () => {
    const chunk = `1;a=${'b'.repeat(1000)}\r\nx\r\n`;
    fails(`${chunk.repeat(20)}0\r\n\r\n`, /extension bytes/);
  });
  it('refuses data longer than the size', () => fails('3\r\nabcd\r\n0\r\n\r\n', /CRLF/));
  it('refuses a bare LF after data', () => fails('a\r\n0123456789\n0\r\n\r\n', /CRLF/));
  it('refuses a missing CRLF after data', () => fails('1\r\nx0\r\n\r\n', /CRLF/));
  it('refuses obs-fold in trailers', () => fails('0\r\nX: a\r\n b\r\n\r\n', /obs-fold/));
  it('refuses NUL in trailers', () => fails('0\r\nX: a\x00\r\n\r\n'));
  it('refuses a bare LF ending the trailers', () => fails('0\r\n\n', /LF/));
  it('bounds the trailer count', () => fails(`0\r\n${'X: a\r\n'.repeat(101)}\r\n`, /too many/));
  it('bounds the trailer bytes', () => fails(`0\r\nX: ${'a'.repeat(17000)}\r\n\r\n`, /too large/));
  it('stays failed after an error', () => {
    const d = new ChunkedDecoder();
    assert.equal(d.push(raw('z'), () => {}).kind, 'error');
    assert.equal(d.push(raw('0\r\n\r\n'), () => {}).kind, 'error');
  });
  it('decodes a second body after the first', () => {
    const d = new ChunkedDecoder();
    assert.equal(decode('1\r\na\r\n0\r\n\r\n', Infinity, d).result.kind, 'done');
    assert.equal(decode('1\r\nb\r\n0\r\n\r\n', Infinity, d).body, 'b');
  });
  it('hands out slices of the input without copying', () => {
    const input = raw('5\r\nhello\r\n0\r\n\r\n');
    let seen: Buffer | undefined;
    new ChunkedDecoder().push(input, (d) => { seen = d; });
    assert.equal(seen?.buffer, input.buffer);
  });
});
