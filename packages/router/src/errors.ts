import { definePorticoError } from '@portico/errors';

/** A head serializer was given a method, target, name or value that is not safe to write. */
export const InvalidHeadField = definePorticoError(
  'PORTICO_ERR_ROUTER_INVALID_HEAD_FIELD',
  'InvalidHeadFieldError',
  (what: string, why: string) =>
    `${what} ${why}; remove the control characters or drop the header before forwarding`,
);

/** An option given to the HTTP/1.1 framer or the forwarder is out of range. */
export const InvalidRouterOption = definePorticoError(
  'PORTICO_ERR_ROUTER_INVALID_OPTION',
  'InvalidRouterOptionError',
  (option: string, why: string) => `option "${option}" ${why}`,
);
