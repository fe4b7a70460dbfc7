import { foldFlags, hasSeparator, normaliseHeaderName } from './normaliseHeaderName.ts';

/** Which inbound headers count as Portico's own; shared by {@link isSpoofableHeader} and `stripInboundHeaders`. */
export interface HeaderPolicy {
  /** Keep the client's `x-request-id` instead of treating it as Portico's (default `false`). */
  readonly trustRequestId?: boolean;
  /** Let the client's `Authorization` header reach the backend (default `false`). */
  readonly forwardAuthToken?: boolean;
  /**
   * More names Portico sets on the forwarded request (for example a forward-auth service's
   * `copyHeaders`); inbound copies are removed in every spelling. An authenticator lists its own in
   * `authenticator.stripOptions`.
   */
  readonly reservedHeaders?: ReadonlyArray<string>;
}

/**
 * Whether an inbound header would pass for one Portico sets, once a backend folds its name
 * (lower case, `_` and `.` read as `-`): `x-portico-*`, `x-forwarded-*`, `forwarded`,
 * `ms-aspnetcore*`, `x-request-id` (unless trusted), `authorization` (unless forwarded), the
 * policy's `reservedHeaders`, and the folded spellings of `content-length` (`Content_Length` is a
 * second Content-Length to a backend that folds).
 *
 * @example
 * isSpoofableHeader('X_Portico_User'); // true
 * isSpoofableHeader('x-request-id', { trustRequestId: true }); // false
 */
export function isSpoofableHeader(name: string, policy?: HeaderPolicy): boolean {
  const flags = foldFlags(name);
  return isSpoofableNormalised(normaliseHeaderName(name, flags), (flags & hasSeparator) !== 0, policy);
}

/**
 * `isSpoofableHeader` for a name already folded by `normaliseHeaderName`, for a caller that folds
 * a name once for several checks. `folded` says the name reached `normalised` through folding.
 */
export function isSpoofableNormalised(normalised: string, folded: boolean, policy: HeaderPolicy | undefined): boolean {
  // Dispatch on the first letter: this runs for every header of every request.
  switch (normalised.charCodeAt(0)) {
    case 120: // x
      if (normalised.startsWith('x-portico-') || normalised.startsWith('x-forwarded-')) return true;
      if (normalised === 'x-request-id') return policy?.trustRequestId !== true;
      break;
    case 102: // f
      if (normalised === 'forwarded') return true;
      break;
    case 109: // m
      if (normalised.startsWith('ms-aspnetcore')) return true;
      break;
    case 97: // a
      if (normalised === 'authorization') return policy?.forwardAuthToken !== true;
      break;
    case 99: // c
      if (folded && normalised === 'content-length') return true;
      break;
  }
  const reserved = policy?.reservedHeaders;
  if (reserved !== undefined) {
    for (let i = 0; i < reserved.length; i++) {
      if (normaliseHeaderName(reserved[i]!) === normalised) return true;
    }
  }
  return false;
}
