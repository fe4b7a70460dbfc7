import { definePorticoError } from '@portico/errors';

/** A key of an app's `auth` section is missing, of the wrong type or out of range. */
export const InvalidAuthConfigError = definePorticoError(
  'PORTICO_ERR_AUTH_FORWARDER_INVALID_CONFIG',
  'InvalidAuthConfigError',
  (key: string, why: string) => `auth config key "auth.${key}" ${why}`,
);

/** A file named by the `auth` section (htpasswd, PEM key, JWKS) cannot be read. */
export const AuthFileUnreadableError = definePorticoError(
  'PORTICO_ERR_AUTH_FORWARDER_FILE_UNREADABLE',
  'AuthFileUnreadableError',
  (key: string, file: string, cause: Error) =>
    `auth config key "auth.${key}": cannot read ${file} (${cause.message}); check the path and its permissions`,
);

/** An htpasswd line is malformed or uses a hash Portico refuses (plaintext, MD5, DES, SHA-1). */
export const HtpasswdEntryError = definePorticoError(
  'PORTICO_ERR_AUTH_FORWARDER_HTPASSWD_ENTRY',
  'HtpasswdEntryError',
  (file: string, line: number, why: string) =>
    `${file}:${line}: ${why}; re-create the entry with "htpasswd -B" (bcrypt) or "openssl passwd -6"`,
);

/** A PEM key, certificate or JWKS file holds no usable key for the configured algorithms. */
export const AuthKeyInvalidError = definePorticoError(
  'PORTICO_ERR_AUTH_FORWARDER_KEY_INVALID',
  'AuthKeyInvalidError',
  (key: string, why: string) => `auth config key "auth.${key}": ${why}`,
);

/** An identity value holds a character that cannot travel in an HTTP header (CR, LF, NUL, other controls). */
export const IdentityHeaderError = definePorticoError(
  'PORTICO_ERR_AUTH_FORWARDER_IDENTITY_HEADER',
  'IdentityHeaderError',
  (header: string) =>
    `identity header "${header}" would carry a control character (CR, LF, NUL…); the identity is refused, not forwarded`,
);

/** `authenticate()` was called after `close()`. */
export const AuthenticatorClosedError = definePorticoError(
  'PORTICO_ERR_AUTH_FORWARDER_CLOSED',
  'AuthenticatorClosedError',
  () => 'authenticate() was called on a closed authenticator; use the authenticator of the current config',
);
