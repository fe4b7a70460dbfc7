import type { RequestHead } from '../../http1/RequestHead.ts';

/**
 * What a kept inbound `x-request-id` may look like: 1 to 128 characters that every log format,
 * header and URL takes as they are (UUIDs, ULIDs, hex, base64 and nginx's `$request_id` fit); no
 * comma, so a list is never taken for one id.
 */
const WELL_FORMED = /^[A-Za-z0-9._~:+/=@-]{1,128}$/;

/**
 * The `x-request-id` sent upstream: a well-formed one from the client when the app trusts it
 * (`trustRequestId`, for a trusted proxy in front that sets it), otherwise `fresh`, Portico's
 * own. Two inbound lines, or one that is not well-formed, are never trusted.
 */
export function requestIdFor(head: RequestHead, trusted: boolean, fresh: string): string {
  if (!trusted) return fresh;
  let inbound: string | undefined;
  for (const [name, value] of head.headers) {
    if (name !== 'x-request-id') continue;
    if (inbound !== undefined) return fresh;
    inbound = value;
  }
  return inbound !== undefined && WELL_FORMED.test(inbound) ? inbound : fresh;
}
