import { definePorticoError } from '@portico/errors';

/** A head serializer was given a method, target, name or value that is not safe to write. */
export const InvalidHeadFieldError = definePorticoError(
  'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD',
  'InvalidHeadFieldError',
  (what: string, why: string) =>
    `${what} ${why}; remove the control characters or drop the header before forwarding`,
);

/** An option given to the HTTP/1.1 framer or the forwarder is out of range. */
export const InvalidRouterOptionError = definePorticoError(
  'PORTICO_ERR_ROUTER_INVALID_OPTION',
  'InvalidRouterOptionError',
  (option: string, why: string) => `option "${option}" ${why}`,
);

/**
 * A forwarding state machine met an event its phase rules out: a bug in Portico, not in the
 * client or backend. The connection it happened on is reset and its backend connection dropped;
 * the process goes on.
 */
export const ForwarderStateError = definePorticoError(
  'PORTICO_ERR_ROUTER_IMPOSSIBLE_STATE',
  'ForwarderStateError',
  (machine: string, phase: string, event: string) =>
    `${machine} got ${event} in phase ${phase}, which its rules rule out; the connection was reset. This is a bug in Portico: report it with the log line`,
);
