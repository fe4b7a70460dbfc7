export * from './http1/index.ts';
export * from './forward/index.ts';
export * from './embed/index.ts';
export { ForwarderStateError, InvalidHeadFieldError, InvalidRouterOptionError } from './errors.ts';
export { createRouter } from './routing/createRouter.ts';
export type { AppBackends, AppRoute, ErrorPageShown, ForwardDecision, RespondDecision, RouteDecision, RouteRequest, Router, RouterOptions } from './routing/createRouter.ts';
export type { AppMatch } from './routing/AppMatch.ts';
export { errorPage } from './routing/errorPage.ts';
export type { ErrorDetail } from './routing/errorPage.ts';
