/**
 * `text` without optional whitespace (RFC 9110 §5.6.3: SP and HTAB only) at either end. Never
 * `String.prototype.trim` on header values: Node reads them as latin1, so a 0xA0 byte arrives as
 * U+00A0, which `trim()` strips and nginx does not (docs/proxy.md, whitespace is SP and HTAB).
 * The same as `@portico/auth-forwarder`'s, which Portico's router uses: this package imports
 * nothing of ours, so that a backend installs it alone.
 */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
