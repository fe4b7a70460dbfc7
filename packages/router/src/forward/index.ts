export { createForwarder } from './createForwarder.ts';
export type { Forwarder } from './createForwarder.ts';
export type { ForwarderOptions, ForwarderEvent, HeaderPair } from './ForwarderOptions.ts';
export type { Upstream, UpstreamAddress } from './Upstream.ts';
export type { Dispatch, DispatchAnswer, DispatchRequest, ExchangeOutcome, RetryChoice } from './Dispatch.ts';
export type { RequestConnection } from './RequestConnection.ts';
