import { InvalidHeadFieldError } from '../errors.ts';
import { appendFields, framingField, SAFE_VALUE } from '../internal/http1/checkOutboundFields.ts';
import type { ResponseFraming } from './ResponseHead.ts';

/** How the response written to a client is delimited. */
export type OutboundResponseFraming =
  | ResponseFraming
  /** No body follows, but `content-length: N` is announced (HEAD and 304 keep the backend's value). */
  | { readonly kind: 'advertised-length'; readonly length: number };

export interface OutboundResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: OutboundResponseFraming;
}

/**
 * Writes an HTTP/1.1 status line, the given headers and the framing header (`content-length` or
 * `transfer-encoding: chunked`; nothing for `none` and `until-close`). Values are checked like
 * request values; a bad one throws `InvalidHeadFieldError`.
 */
export function serializeResponseHead(head: OutboundResponseHead): Buffer {
  if (!Number.isInteger(head.status) || head.status < 100 || head.status > 999) {
    throw new InvalidHeadFieldError(`status ${head.status}`, 'is not a three-digit code');
  }
  if (!SAFE_VALUE.test(head.reason)) throw new InvalidHeadFieldError('reason phrase', 'contains control characters');
  const out = appendFields(`HTTP/1.1 ${head.status} ${head.reason}\r\n`, head.headers);
  return Buffer.from(`${out}${framingField(head.body)}\r\n`, 'latin1');
}
