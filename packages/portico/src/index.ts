export * from './config/index.ts';
export { ConfigInvalidError, InvalidPorticoOptionError, PorticoStoppedError } from './errors.ts';
export { createPortico } from './runtime/createPortico.ts';
// The flags each front process is started with: bench:proxy-cores starts a process as a front is.
export { FRONT_SEMI_SPACE_MIB, frontNodeFlags } from './fronts/frontNodeFlags.ts';
export type { AppCommandResult, Portico, PorticoOptions, ReloadResult, Started } from './runtime/Portico.ts';
// The types of what a `Portico` hands out, so an embedder can name what it holds.
export type { BoundAddress, PorticoStatus, RequestMetrics } from '@portico/listener';
export type { Dispatch, DispatchRequest } from '@portico/router';
export type { EventLogger } from '@portico/log-sink';
export type { ProcessHost } from '@portico/worker-actor';
export type { Clock } from '@portico/supervisor';
