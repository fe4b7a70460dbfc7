import { createForwarder, type Dispatch, type DispatchRequest, type Forwarder, type ForwarderEvent } from '@portico/router';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

export interface SocketForwarderWiring {
  readonly dispatch: (request: DispatchRequest) => Dispatch | Promise<Dispatch>;
  readonly servesHost: (authority: string) => boolean;
  readonly onEvent: (event: ForwarderEvent) => void;
}

/** The forwarder for one listener protocol under the config's `limits` (seconds become ms here). */
export function createSocketForwarder(proto: 'http' | 'https', limits: PorticoConfig['limits'], wiring: SocketForwarderWiring): Forwarder {
  return createForwarder({
    dispatch: wiring.dispatch,
    proto,
    limits: { maxHeaderBytes: limits.maxHeaderBytes, maxHeaderCount: limits.maxHeaderCount },
    headersTimeout: limits.headersTimeout * 1000,
    bodyIdleTimeout: limits.bodyIdleTimeout * 1000,
    sendTimeout: limits.sendTimeout * 1000,
    keepAliveTimeout: limits.keepAliveTimeout * 1000,
    servesHost: wiring.servesHost,
    onEvent: wiring.onEvent,
  });
}
