export * from './config/index.ts';
export { ConfigInvalid } from './errors.ts';
