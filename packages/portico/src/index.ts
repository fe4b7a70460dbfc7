export * from './config/index.ts';
export { ConfigInvalid } from './errors.ts';
export { createPortico } from './runtime/createPortico.ts';
export type { AppStatus, Portico, PorticoOptions, PorticoStatus, ReloadResult } from './runtime/createPortico.ts';
