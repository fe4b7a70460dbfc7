export { requestArrivalsArbitrary } from './requestArrivalsArbitrary.ts';
export type { RequestArrivalConstraints, RequestBurst } from './requestArrivalsArbitrary.ts';
export { backoffArbitrary, poolPolicyArbitrary, restartPolicyArbitrary } from './restartPolicyArbitrary.ts';
export type { PoolPolicy, RestartPolicy, RestartPolicyConstraints } from './restartPolicyArbitrary.ts';
export { buildSupervisionTree, findChild, supervisionTreeArbitrary, treeWorkers } from './supervisionTreeArbitrary.ts';
export type { NodeSpec, SupervisionTreeConstraints, SupervisionTreeOptions, SupervisorNodeSpec, WorkerNodeSpec } from './supervisionTreeArbitrary.ts';
