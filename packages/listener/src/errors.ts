import { definePorticoError } from '@portico/errors';

export const InvalidListenerOptionError = definePorticoError(
  'PORTICO_ERR_LISTENER_INVALID_OPTION',
  'InvalidListenerOptionError',
  (path: string, problem: string) => `listener option "${path}" ${problem}`,
);

export const ListenFailedError = definePorticoError(
  'PORTICO_ERR_LISTENER_LISTEN_FAILED',
  'ListenFailedError',
  (where: string, why: string, _cause?: Error) => `cannot listen on ${where}: ${why}; ${listenAdvice(why, where.endsWith('(admin)') ? 'admin' : 'listen')}`,
);

export const TlsFileUnreadableError = definePorticoError(
  'PORTICO_ERR_LISTENER_TLS_FILE',
  'TlsFileUnreadableError',
  (what: string, path: string, why: string) => `cannot read the TLS ${what} ${path}: ${why}`,
);

export const TlsCredentialsInvalidError = definePorticoError(
  'PORTICO_ERR_LISTENER_TLS_INVALID',
  'TlsCredentialsInvalidError',
  (cert: string, key: string, ca: string | undefined, why: string) =>
    `TLS cannot use the certificate ${cert} with the key ${key}${ca === undefined ? '' : ` and the CA bundle ${ca}`}: ${why}; ` +
    'give PEM files: the certificate chain, leaf first, and the private key of that leaf',
);

export const AdminSocketUnsafeError = definePorticoError(
  'PORTICO_ERR_LISTENER_ADMIN_SOCKET_UNSAFE',
  'AdminSocketUnsafeError',
  (path: string, why: string) =>
    `will not put the admin socket at ${path}: ${why}; choose another path in "admin.socket", in a folder only Portico's user owns`,
);

function listenAdvice(code: string, key: string): string {
  if (code === 'EADDRINUSE') return `free the port or choose another in "${key}"`;
  if (code === 'EACCES') return `ports below 1024 need privileges: choose another port in "${key}" or grant CAP_NET_BIND_SERVICE`;
  return `choose an address of this machine in "${key}"`;
}
