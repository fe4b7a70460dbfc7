import { definePorticoError } from '@portico/errors';

export const InvalidListenerOption = definePorticoError(
  'PORTICO_ERR_LISTENER_INVALID_OPTION',
  'InvalidListenerOptionError',
  (path: string, problem: string) => `listener option "${path}" ${problem}`,
);

export const ListenFailed = definePorticoError(
  'PORTICO_ERR_LISTENER_LISTEN_FAILED',
  'ListenFailedError',
  (where: string, why: string, _cause?: Error) => `cannot listen on ${where}: ${why}; free the port or choose another in "listen"`,
);

export const TlsFileUnreadable = definePorticoError(
  'PORTICO_ERR_LISTENER_TLS_FILE',
  'TlsFileUnreadableError',
  (what: string, path: string, why: string) => `cannot read the TLS ${what} ${path}: ${why}`,
);
