import { timingSafeEqual } from 'node:crypto';
import type { AuthRequest } from '../../Authenticator.ts';
import { repeated, singleHeader } from '../failures.ts';

/**
 * The header that marks Portico's forward subrequests. Its `x-portico-` prefix has every inbound
 * copy removed before a request is forwarded (`stripInboundHeaders`), so a backend never sees it.
 */
export const subrequestMarkHeader = 'x-portico-auth-subrequest';

/**
 * Whether `request` carries `mark` in its one `x-portico-auth-subrequest` line. Compared in
 * constant time: a client that could time the comparison could find the mark a byte at a time and
 * have its requests refused at will. Two lines are no mark: Portico sends one.
 */
export function carriesMark(request: AuthRequest, mark: Buffer): boolean {
  const found = singleHeader(request.headers, subrequestMarkHeader);
  if (found === undefined || found === repeated) return false;
  const given = Buffer.from(found, 'latin1');
  return given.length === mark.length && timingSafeEqual(given, mark);
}
