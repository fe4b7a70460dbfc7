import { HTAB, SP } from './charTables.ts';

/**
 * `text` without optional whitespace (RFC 9110 §5.6.3: SP and HTAB, nothing else) at either end.
 * Never `String.prototype.trim`: wire bytes are latin1, so 0xA0 arrives as U+00A0, which `trim()`
 * and `\s` strip; `chunked\xa0` or `1000\xa0` would then pass as `chunked` or `1000`, where nginx
 * refuses them (aws/http-desync-guardian rates them Severe).
 */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}
