export { chunkSizes } from './chunkSizes.ts';
export { freePort } from './freePort.ts';
export { heldBytes } from './heldBytes.ts';
export { onFreePort } from './onFreePort.ts';
export type { RawReply } from './RawReply.ts';
export { rawRequest } from './rawRequest.ts';
export type { RequestTarget } from './RequestTarget.ts';
