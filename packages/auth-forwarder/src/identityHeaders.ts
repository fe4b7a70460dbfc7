import type { Identity } from './Authenticator.ts';
import { IdentityHeaderError } from './errors.ts';
import { renderIdentityHeaders } from './internal/renderIdentityHeaders.ts';

export interface IdentityHeaderOptions {
  /** `'aspnetcore'` also sends the client certificate as `ms-aspnetcore-clientcert`. */
  readonly compat?: 'aspnetcore';
  /** Largest `x-portico-claims` value in bytes; larger claims are left out. Default 4096. */
  readonly maxClaimsBytes?: number;
}

/**
 * The headers that tell a backend who the caller is: `x-portico-user` (UTF-8),
 * `x-portico-auth` (the scheme), `x-portico-claims` (ASCII JSON of the selected claims, left out
 * above `maxClaimsBytes`), `x-portico-client-cert` (base64 DER), then the identity's
 * `extraHeaders`. Append them after `stripInboundHeaders`, so no inbound copy survives.
 *
 * Throws `IdentityHeaderError` when a value holds a control character (CR, LF, NUL…) instead of
 * injecting it. Identities that `authenticate()` returned were already checked (it answers 403
 * instead) and had oversized claims removed (it reports `auth.claims_dropped`), so with the
 * authenticator's `headerOptions` this never throws for them.
 *
 * @example
 * identityHeaders({ user: 'alice', scheme: 'basic' });
 * // → [['x-portico-user', 'alice'], ['x-portico-auth', 'basic']]
 */
export function identityHeaders(identity: Identity, options?: IdentityHeaderOptions): [string, string][] {
  const rendered = renderIdentityHeaders(identity, options);
  if (rendered.refused !== undefined) throw new IdentityHeaderError(rendered.refused);
  return rendered.headers;
}
