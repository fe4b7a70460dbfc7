export { listen, resolveListenTarget } from './listen.ts';
export type { Listening, ListenOptions, ListenTarget, ListenableServer } from './listen.ts';
export { signalReady } from './signalReady.ts';
export type { ReadinessSignals, SignalReadyOptions } from './signalReady.ts';
export { withPortico } from './withPortico.ts';
export { withPorticoUpgrade } from './withPorticoUpgrade.ts';
export { porticoMiddleware } from './porticoMiddleware.ts';
export type { PorticoMiddleware } from './porticoMiddleware.ts';
export type { RequestCheckOptions } from './RequestCheckOptions.ts';
export { getPortico } from './PorticoRequestInfo.ts';
export type { PorticoRequestInfo } from './PorticoRequestInfo.ts';
export { porticoHeaders } from './porticoHeaders.ts';
export { installGracefulShutdown } from './installGracefulShutdown.ts';
export type { ClosableServer, GracefulShutdown, GracefulShutdownOptions } from './installGracefulShutdown.ts';
export { readPorticoEnvironment } from './readPorticoEnvironment.ts';
export type {
  CompatMode,
  Environment,
  ListenInstruction,
  PorticoEnvironment,
  ReadEnvironmentOptions,
} from './readPorticoEnvironment.ts';
export type { PorticoLogger } from './PorticoLogger.ts';
export {
  PorticoIntegrationError,
  InvalidOptionError,
  InvalidEnvironmentError,
  TokenRequiredError,
  ListenFailedError,
  ReadinessSignalError,
  integrationErrors,
} from './errors.ts';
export type { IntegrationErrorClass } from './errors.ts';
