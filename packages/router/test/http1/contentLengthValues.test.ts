import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseHeadParser } from '@portico/router';

// A Content-Length value is read digit by digit on the usual path (a plain number), and by the
// checks of RFC 9112 §6.3 otherwise. Whatever the value, the length a backend's head is framed by
// is what the rule says: 1 to 15 digits, with SP or HTAB around them at most, else refused.

/** The rule, written plainly: the reference the parser's reading is held to. */
function expected(value: string): number | 'refused' {
  const m = /^[ \t]*([0-9]{1,15})[ \t]*$/.exec(value);
  return m === null ? 'refused' : Number(m[1]);
}

function framedLength(value: string): number | 'refused' {
  const r = new ResponseHeadParser().push(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`, 'latin1'), 'GET');
  if (r.kind === 'error') return 'refused';
  assert.equal(r.kind, 'head');
  const body = (r as { head: { body: { kind: string; length?: number } } }).head.body;
  assert.equal(body.kind, 'length');
  return body.length!;
}

describe('a Content-Length value from a backend', () => {
  it('is framed by the rule for any value of digits, signs, separators and whitespace', () => {
    const symbol = fc.constantFrom('0', '1', '5', '9', '+', '-', ',', ' ', '\t', 'x', 'e', '.', '/', ':');
    fc.assert(
      fc.property(fc.array(symbol, { maxLength: 20 }).map((s) => s.join('')), (value) => {
        assert.equal(framedLength(value), expected(value), JSON.stringify(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every length from 0 to 15 nines exactly, and refuses 16 digits', () => {
    for (let digits = 1; digits <= 15; digits++) assert.equal(framedLength('9'.repeat(digits)), 10 ** digits - 1);
    assert.equal(framedLength('000000000000042'), 42);
    assert.equal(framedLength('1'.repeat(16)), 'refused');
    assert.equal(framedLength('0'.repeat(16)), 'refused');
  });
});
