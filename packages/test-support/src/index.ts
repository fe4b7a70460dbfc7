export { freePort } from './freePort.ts';
export { onFreePort } from './onFreePort.ts';
export type { RawReply } from './RawReply.ts';
export { rawRequest } from './rawRequest.ts';
export type { RequestTarget } from './RequestTarget.ts';
