// `@portico/router/internal`: what the router's own tests reach beyond the public surface. Not
// part of the API: no semver promise, and no other package imports it (test/workspace.test.ts).
export { UpstreamPool } from './forward/UpstreamPool.ts';
export type { UpstreamPoolOptions } from './forward/UpstreamPool.ts';
export { UpstreamConnection } from './forward/UpstreamConnection.ts';
export type { UpstreamHandler } from './forward/UpstreamConnection.ts';
