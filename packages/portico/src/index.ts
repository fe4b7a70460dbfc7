export * from './config/index.ts';
export { ConfigInvalid } from './errors.ts';
export { createPortico } from './runtime/createPortico.ts';
export type { Portico, PorticoOptions, ReloadResult, Started } from './runtime/createPortico.ts';
