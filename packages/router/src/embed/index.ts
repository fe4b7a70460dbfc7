export { createEmbeddedForwarder } from './createEmbeddedForwarder.ts';
export type { EmbeddedForwarder, EmbeddedForwarderOptions } from './createEmbeddedForwarder.ts';
export { readRequestHead } from './readRequestHead.ts';
export type { ReadRequestHeadResult } from './readRequestHead.ts';
