import { FIELD_VALUE, HTAB, SP, TOKEN } from './charTables.ts';

export interface FieldLine {
  readonly rawName: string;
  readonly name: string;
  readonly value: string;
}

// Regular expressions scan a one-byte string faster than a charCodeAt loop; the loops below run
// only to name the offending byte once a line is already refused.
const tokenName = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;
const badValueByte = /[^\t\x20-\x7e\x80-\xff]/;

const hex = (c: number): string => `0x${c.toString(16).padStart(2, '0')}`;

/**
 * Parses one `name: value` line (without its CRLF) by RFC 9112 §5 from latin1 text. Returns the
 * reason as a string when the line is refused. Latin1 keeps obs-text bytes intact for re-serialising.
 */
export function parseFieldLine(text: string, start: number, end: number): FieldLine | string {
  const first = text.charCodeAt(start);
  // RFC 9112 §5.2: obs-fold must be rejected by a proxy or replaced; we reject (CVE-2022-32215 family).
  if (first === SP || first === HTAB) return 'obsolete line folding (obs-fold) is not allowed';
  const colon = text.indexOf(':', start);
  if (colon === -1 || colon >= end) return 'header line has no colon';
  // HAProxy CVE-2023-25725: an empty name must never truncate or pass.
  if (colon === start) return 'empty header name';
  const rawName = text.slice(start, colon);
  if (!tokenName.test(rawName)) {
    let i = start;
    while (TOKEN[text.charCodeAt(i)] === 1) i++;
    const c = text.charCodeAt(i);
    // RFC 9112 §5.1: whitespace between name and colon MUST be rejected (CVE-2021-22959, CVE-2024-27982).
    if ((c === SP || c === HTAB) && i === colon - 1) return 'whitespace between header name and colon';
    return `invalid byte ${hex(c)} in header name`;
  }
  let vs = colon + 1;
  let ve = end;
  while (vs < ve && (text.charCodeAt(vs) === SP || text.charCodeAt(vs) === HTAB)) vs++;
  while (ve > vs && (text.charCodeAt(ve - 1) === SP || text.charCodeAt(ve - 1) === HTAB)) ve--;
  const value = text.slice(vs, ve);
  // NUL, CR, LF and other CTLs (Envoy CVE-2019-9900, Node CVE-2023-30589 for bare CR).
  if (badValueByte.test(value)) {
    let j = 0;
    while (FIELD_VALUE[value.charCodeAt(j)] === 1) j++;
    return `invalid byte ${hex(value.charCodeAt(j))} in value of header "${rawName}"`;
  }
  return { rawName, name: rawName.toLowerCase(), value };
}
