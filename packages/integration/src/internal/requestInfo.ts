import type { PorticoRequestInfo } from '../PorticoRequestInfo.ts';

/**
 * The source of truth for `getPortico`: a property on the request can be overwritten by any
 * middleware, an entry here only by this package.
 */
export const requestInfo = new WeakMap<object, PorticoRequestInfo>();
