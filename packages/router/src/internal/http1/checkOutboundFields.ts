import { InvalidHeadFieldError } from '../../errors.ts';
import type { OutboundResponseFraming } from '../../http1/serializeResponseHead.ts';

/** The one pattern every value Portico writes must match (CRLF/header injection, undici CVE-2022-31150). */
export const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * A field value to write: SAFE_VALUE bytes with no whitespace at either end (RFC 9110 §5.5), in
 * one pattern. Regular expressions scan one-byte strings faster than a charCodeAt loop. It is
 * also RFC 9113 §8.2.1's rule for an HTTP/2 field value, which the HTTP/2 front holds every value
 * to before it makes the HTTP/1.1 head, so the two engines share one byte rule.
 */
export const WRITABLE_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;
const TOKEN_NAME = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;

/** Names the serializers compute themselves; a caller passing one has a framing bug. */
const computed = new Set(['content-length', 'transfer-encoding']);

/** Appends one `name: value\r\n` line after checking it; throws InvalidHeadFieldError if it is not writable. */
export function appendField(out: string, name: string, value: string): string {
  if (!TOKEN_NAME.test(name)) throw new InvalidHeadFieldError(`header name ${JSON.stringify(name)}`, 'is not an RFC 9110 token');
  // Only names as long as one of the two are lower-cased and looked up.
  if ((name.length === 14 || name.length === 17) && computed.has(name.toLowerCase())) {
    throw new InvalidHeadFieldError(`header "${name}"`, 'is computed by the serializer from the framing');
  }
  if (!WRITABLE_VALUE.test(value)) {
    throw new InvalidHeadFieldError(`value of header "${name}"`, 'contains control characters or edge whitespace');
  }
  return `${out}${name}: ${value}\r\n`;
}

/** Appends checked `name: value\r\n` lines; throws InvalidHeadFieldError on the first bad one. */
export function appendFields(out: string, headers: ReadonlyArray<readonly [string, string]>): string {
  let text = out;
  for (let i = 0; i < headers.length; i++) text = appendField(text, headers[i]![0], headers[i]![1]);
  return text;
}

/** The one framing line a re-framed message announces: `content-length: N`, `transfer-encoding: chunked`, or none. */
export function framingField(body: OutboundResponseFraming): string {
  switch (body.kind) {
    case 'length':
    case 'advertised-length':
      return `content-length: ${body.length}\r\n`;
    case 'chunked':
      return 'transfer-encoding: chunked\r\n';
    default:
      return '';
  }
}
