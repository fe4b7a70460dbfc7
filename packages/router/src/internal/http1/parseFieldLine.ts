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
 * Field lines `parseFieldLine` accepts (a token, a colon, value bytes with optional whitespace),
 * then the empty line that ends a head. Sticky: it matches from `lastIndex` only.
 */
const FIELD_BLOCK = /(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*\r\n/y;

/**
 * Whether `text`, from `start` on, is field lines that `parseFieldLine` would each accept up to
 * the head's empty line; what follows that line (a body, the next request) is not looked at. One
 * match over the whole head then stands for two checks per line, and its lines are split with
 * `splitFieldLine`.
 */
export function isFieldBlock(text: string, start: number): boolean {
  FIELD_BLOCK.lastIndex = start;
  return FIELD_BLOCK.test(text);
}

/** Splits one line already known valid (by `isFieldBlock`, or the checks in `parseFieldLine`) at its colon, trimming the value's whitespace. */
export function splitFieldLine(text: string, start: number, end: number): FieldLine {
  const colon = text.indexOf(':', start);
  let vs = colon + 1;
  let ve = end;
  while (vs < ve && (text.charCodeAt(vs) === SP || text.charCodeAt(vs) === HTAB)) vs++;
  while (ve > vs && (text.charCodeAt(ve - 1) === SP || text.charCodeAt(ve - 1) === HTAB)) ve--;
  const rawName = text.slice(start, colon);
  return { rawName, name: rawName.toLowerCase(), value: text.slice(vs, ve) };
}

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
  const field = splitFieldLine(text, start, end);
  if (!tokenName.test(field.rawName)) {
    let i = start;
    while (TOKEN[text.charCodeAt(i)] === 1) i++;
    const c = text.charCodeAt(i);
    // RFC 9112 §5.1: whitespace between name and colon MUST be rejected (CVE-2021-22959, CVE-2024-27982).
    if ((c === SP || c === HTAB) && i === colon - 1) return 'whitespace between header name and colon';
    return `invalid byte ${hex(c)} in header name`;
  }
  const { value } = field;
  // NUL, CR, LF and other CTLs (Envoy CVE-2019-9900, Node CVE-2023-30589 for bare CR).
  if (badValueByte.test(value)) {
    let j = 0;
    while (FIELD_VALUE[value.charCodeAt(j)] === 1) j++;
    return `invalid byte ${hex(value.charCodeAt(j))} in value of header "${field.rawName}"`;
  }
  return field;
}
