// Byte classes from RFC 9110 §5.6.2 (tchar) and §5.5 (field-vchar / obs-text), as lookup tables
// so the hot loops do one array read per byte.

function table(accept: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accept(b) ? 1 : 0;
  return t;
}

const isAlnum = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/** RFC 9110 tchar. */
export const TOKEN = table((b) => isAlnum(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)));

/** Field value bytes: HTAB, SP, VCHAR, obs-text. Everything else (NUL, CR, LF, other CTLs, DEL) is refused. */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/**
 * Request-target bytes: visible ASCII except `#` (a fragment is never sent, RFC 9112 §3.2),
 * `\` (some backends read it as `/`, CVE-2021-29492 family) and `"`, `<`, `>` (never valid in a URI
 * and always escaped by browsers). `%` is checked separately for two hex digits.
 */
export const TARGET = table((b) => b >= 0x21 && b <= 0x7e && !'#\\"<>'.includes(String.fromCharCode(b)));

/** Authority bytes of an absolute-form target or Host (RFC 3986 §3.2 without userinfo). */
export const AUTHORITY = table((b) => isAlnum(b) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(b)));

export const HEX = table((b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) return false;
  }
  return true;
}

export function hexValue(b: number): number {
  if (b <= 0x39) return b - 0x30;
  if (b <= 0x46) return b - 0x41 + 10;
  return b - 0x61 + 10;
}
