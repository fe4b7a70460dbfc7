import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestHeadParser, ResponseHeadParser } from '@portico/router';

// Each parser keeps its field lists for its whole life (one per connection) and hands every head
// copies of its own length (FieldLines). These hold that a head read on a parser that has read
// others, refused ones among them, has exactly its own lines, and keeps them whatever that
// parser reads later.

const field = fc.record({
  name: fc.constantFrom('Accept', 'accept', 'X-Trace', 'Cookie', 'x-a', 'User-Agent', 'Content-Type'),
  value: fc.stringMatching(/^[!-~]([ -~]{0,12}[!-~])?$/),
});
/** A head's field lines, the last one refused when `broken` (whitespace before the colon). */
const fields = fc.record({ lines: fc.array(field, { maxLength: 9 }), broken: fc.boolean(), split: fc.nat({ max: 200 }) });
type Fields = { lines: { name: string; value: string }[]; broken: boolean; split: number };

function text(first: string, f: Fields): string {
  return `${first}\r\n${f.lines.map((l) => `${l.name}: ${l.value}\r\n`).join('')}${f.broken ? 'Bad : x\r\n' : ''}\r\n`;
}

/** Pushes `head` to `parser` in two pieces split at `at` (the line-by-line path when it splits). */
function pushSplit<R extends { kind: string }>(push: (b: Buffer) => R, head: string, at: number): R {
  const bytes = Buffer.from(head, 'latin1');
  const cut = Math.min(at, bytes.length - 1);
  if (cut > 0) {
    const first = push(bytes.subarray(0, cut));
    if (first.kind !== 'incomplete') return first;
  }
  return push(bytes.subarray(cut));
}

type Lists = { headers: ReadonlyArray<readonly [string, string]>; rawNames: readonly string[] };
const snapshot = (h: Lists): string => JSON.stringify([h.headers, h.rawNames]);
/** The lists a head of `first` and `f`'s lines must get. */
function expected(first: Fields['lines'], f: Fields): string {
  const lines = [...first, ...f.lines];
  return JSON.stringify([lines.map((l) => [l.name.toLowerCase(), l.value]), lines.map((l) => l.name)]);
}

describe('a head parser read again and again', () => {
  it('gives each request head its own lines on a parser that read others, and later heads never change them', () => {
    fc.assert(fc.property(fc.array(fields, { minLength: 1, maxLength: 8 }), (heads) => {
      const parser = new RequestHeadParser();
      const kept: { lists: Lists; at: string }[] = [];
      for (const f of heads) {
        const head = text('GET / HTTP/1.1\r\nHost: a', f);
        const reused = pushSplit((b) => parser.push(b), head, f.split);
        assert.equal(reused.kind, f.broken ? 'error' : 'head');
        if (reused.kind !== 'head') continue;
        assert.equal(snapshot(reused.head), expected([{ name: 'Host', value: 'a' }], f));
        kept.push({ lists: reused.head, at: snapshot(reused.head) });
      }
      for (const k of kept) assert.equal(snapshot(k.lists), k.at);
    }));
  });

  it('gives each response head its own lines on a parser that read others, and later heads never change them', () => {
    fc.assert(fc.property(fc.array(fields, { minLength: 1, maxLength: 8 }), (heads) => {
      const parser = new ResponseHeadParser();
      const kept: { lists: Lists; at: string }[] = [];
      for (const f of heads) {
        const head = text('HTTP/1.1 204 No Content', f);
        const reused = pushSplit((b) => parser.push(b, 'GET'), head, f.split);
        assert.equal(reused.kind, f.broken ? 'error' : 'head');
        if (reused.kind !== 'head') continue;
        assert.equal(snapshot(reused.head), expected([], f));
        kept.push({ lists: reused.head, at: snapshot(reused.head) });
      }
      for (const k of kept) assert.equal(snapshot(k.lists), k.at);
    }));
  });

  it('counts the header lines of each head from zero: the limit holds after a larger head', () => {
    const parser = new RequestHeadParser({ limits: { maxHeaderCount: 3 } });
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `x-${i}: v\r\n`).join('');
    assert.equal(parser.push(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${lines(2)}\r\n`)).kind, 'head');
    assert.equal(parser.push(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${lines(1)}\r\n`)).kind, 'head');
    const over = parser.push(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${lines(3)}\r\n`));
    assert.equal(over.kind === 'error' && over.status, 431);
    const after = parser.push(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${lines(2)}\r\n`));
    assert.equal(after.kind === 'head' && after.head.headers.length, 3);
  });
});
