export { createForwarder } from './createForwarder.ts';
export type { Forwarder } from './createForwarder.ts';
export type { ForwarderOptions, ForwarderEvent, HeaderPair } from './ForwarderOptions.ts';
export type { Upstream, UpstreamAddress } from './Upstream.ts';
export { UpstreamPool } from './UpstreamPool.ts';
export type { UpstreamPoolOptions } from './UpstreamPool.ts';
export { UpstreamConnection } from './UpstreamConnection.ts';
export type { UpstreamHandler } from './UpstreamConnection.ts';
export type { Dispatch, DispatchRequest, ExchangeOutcome } from './Dispatch.ts';
