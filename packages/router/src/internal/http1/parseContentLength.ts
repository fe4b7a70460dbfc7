import { trimOws } from '@portico/auth-forwarder';

/** 15 digits stay below 2^53, so the sum can never lose precision. */
const MAX_DIGITS = 15;

/**
 * RFC 9112 §6.3 item 5 read strictly: exactly one Content-Length line, holding one 1*DIGIT value
 * of at most 15 digits. A list (`5, 5`), a repeated line (even an identical one), `+5`, `5 5`,
 * `0x5`, an empty value or whitespace other than SP and HTAB around it is refused: RFC 9112 lets a
 * recipient merge identical members, but Node and nginx refuse them, and a hop that reads the
 * list differently is a desync (aws/http-desync-guardian rates `CL: 5,5` Severe; Node
 * CVE-2018-7159, HAProxy CVE-2023-40225, HTTP Garden transducer bug 22).
 */
export function parseContentLength(values: readonly string[]): number | string {
  if (values.length > 1) return 'more than one Content-Length header';
  const value = values[0]!;
  // The usual case, one plain number, read without the checks below.
  const plain = plainLength(value);
  if (plain !== -1) return plain;
  if (value.includes(',')) return 'Content-Length is a list';
  const m = trimOws(value);
  if (m.length === 0) return 'empty Content-Length';
  if (!/^[0-9]+$/.test(m)) return 'Content-Length is not a decimal number';
  if (m.length > MAX_DIGITS) return 'Content-Length is too long';
  return Number(m);
}

/**
 * The value of 1 to 15 digits and nothing else, else -1: read digit by digit, where a pattern
 * test and `Number` cost a response about 400 instructions (`pnpm bench:instructions`).
 */
function plainLength(value: string): number {
  const length = value.length;
  if (length === 0 || length > MAX_DIGITS) return -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** Splits a list header into members without their SP and HTAB (RFC 9110 §5.6.1), keeping empty ones for the caller to judge. */
export function splitList(values: readonly string[]): string[] {
  // The usual case, one line naming one member, without splitting.
  if (values.length === 1 && !values[0]!.includes(',')) return [trimOws(values[0]!)];
  const out: string[] = [];
  for (const value of values) for (const member of value.split(',')) out.push(trimOws(member));
  return out;
}
