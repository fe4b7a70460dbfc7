export { chunkSizes } from './chunkSizes.ts';
export { freePort } from './freePort.ts';
export { heldBytes } from './heldBytes.ts';
export type { HttpReply } from './HttpReply.ts';
export { onFreePort } from './onFreePort.ts';
export { rawRequest } from './rawRequest.ts';
export type { RequestTarget } from './RequestTarget.ts';
export { turnsUntil } from './turnsUntil.ts';
