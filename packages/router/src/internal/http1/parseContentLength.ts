import { trimOws } from './trimOws.ts';

/** 15 digits stay below 2^53, so the sum can never lose precision. */
const MAX_DIGITS = 15;
const plainLength = /^[0-9]{1,15}$/;

/**
 * RFC 9112 §6.3 item 5: every Content-Length line and list member must be 1*DIGIT, and they must
 * all be the same string, which is then used once. `+5`, `5 5`, `0x5`, empty, or differing values
 * are refused (Node CVE-2018-7159, HAProxy CVE-2023-40225, HTTP Garden transducer bug 22).
 */
export function parseContentLength(values: readonly string[]): number | string {
  // The usual case, one plain number, without the list walk below.
  if (values.length === 1 && plainLength.test(values[0]!)) return Number(values[0]);
  let seen: string | undefined;
  for (const value of values) {
    for (const member of value.split(',')) {
      const m = trimOws(member);
      if (m.length === 0) return 'empty Content-Length';
      if (!/^[0-9]+$/.test(m)) return 'Content-Length is not a decimal number';
      if (m.length > MAX_DIGITS) return 'Content-Length is too long';
      if (seen !== undefined && seen !== m) return 'conflicting Content-Length values';
      seen = m;
    }
  }
  return Number(seen);
}

/** Splits a list header into members without their SP and HTAB (RFC 9110 §5.6.1), keeping empty ones for the caller to judge. */
export function splitList(values: readonly string[]): string[] {
  // The usual case, one line naming one member, without splitting.
  if (values.length === 1 && !values[0]!.includes(',')) return [trimOws(values[0]!)];
  const out: string[] = [];
  for (const value of values) for (const member of value.split(',')) out.push(trimOws(member));
  return out;
}
