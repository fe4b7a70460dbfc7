export { createAuthenticator } from './createAuthenticator.ts';
export { createSubrequestMark } from './createSubrequestMark.ts';
export { identityHeaders } from './identityHeaders.ts';
export { isSpoofableHeader, isSpoofableNormalised } from './isSpoofableHeader.ts';
export { normaliseHeaderName } from './normaliseHeaderName.ts';
export { trimOws } from './trimOws.ts';
export { stripInboundHeaders } from './stripInboundHeaders.ts';
export {
  AuthenticatorClosedError,
  AuthFileUnreadableError,
  AuthKeyInvalidError,
  HtpasswdEntryError,
  IdentityHeaderError,
  InvalidAuthConfigError,
} from './errors.ts';
export type {
  AuthConfig,
  BasicAuthConfig,
  ClientCertAuthConfig,
  ForwardAuthConfig,
  JwtAlgorithm,
  JwtAuthConfig,
  SharedAuthOptions,
} from './AuthConfig.ts';
export type {
  AuthDeps,
  AuthEvent,
  AuthFailure,
  Authenticator,
  AuthOutcome,
  AuthRequest,
  AuthScheme,
  AuthSuccess,
  AuthTlsInfo,
  Identity,
} from './Authenticator.ts';
export type { IdentityHeaderOptions } from './identityHeaders.ts';
export type { HeaderPolicy } from './isSpoofableHeader.ts';
export type { HeaderLine, StripInboundOptions } from './stripInboundHeaders.ts';
