export { PorticoError } from './PorticoError.ts';
export { definePorticoError, definedErrors } from './definePorticoError.ts';
export type { PorticoErrorClass, DefinedError } from './definePorticoError.ts';
