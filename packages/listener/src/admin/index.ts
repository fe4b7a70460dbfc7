export { createAdminServer } from './createAdminServer.ts';
export type { AdminLogger, AdminServer, AdminServerOptions } from './createAdminServer.ts';
export { RequestMetrics, durationBuckets } from './RequestMetrics.ts';
export type { AppRequestCounts, RequestMetricsOptions } from './RequestMetrics.ts';
export { appStates } from './AdminSource.ts';
export type { AdminEndpoint, AdminSource, AppCommand, AppCommandResult, AppExitView, AppState, AppStateChangeView, AppStatus, FrontStatusView, PorticoStatus, AdminReloadResult, ResourceFigures, SamplingStatus, WorkerLastExit, WorkerOutputTail, WorkerStatusView } from './AdminSource.ts';
export type { AppRates } from './internal/LiveFeed.ts';
export { checkAdminSocketPath } from './internal/bindAdminSocket.ts';
export type { AdminSocketOptions } from './internal/bindAdminSocket.ts';
