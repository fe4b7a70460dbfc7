export { assertRestartIntensity } from './assertRestartIntensity.ts';
export { assertNoOrphans } from './assertNoOrphans.ts';
export { assertStopOrder } from './assertStopOrder.ts';
export { assertEachRequestAnsweredOnce } from './assertEachRequestAnsweredOnce.ts';
export { assertQuiescent } from './assertQuiescent.ts';
export type { CheckOptions } from './violated.ts';
export { assertStateTimeLimits } from './assertStateTimeLimits.ts';
