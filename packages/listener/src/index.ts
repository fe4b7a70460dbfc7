export { createListener } from './createListener.ts';
export type { ConnectionHandler, Listener, ListenerOptions } from './createListener.ts';
export type { BoundAddress, ListenEntry, TlsSettings } from './ListenEntry.ts';
export { isLoopback } from './isLoopback.ts';
export { loadTlsCredentials, loadTlsCredentialsSync } from './TlsCredentials.ts';
export type { TlsCredentials } from './TlsCredentials.ts';
export * from './errors.ts';
export * from './admin/index.ts';
