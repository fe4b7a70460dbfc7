import { createSupervisor, type ChildSpec, type RestartType, type SupervisorLogic } from '@portico/supervisor';
import fc from 'fast-check';
import type { AnyActorRef } from 'xstate';
import { testChild } from '../testChild.ts';
import { restartPolicyArbitrary, type RestartPolicy, type RestartPolicyConstraints } from './restartPolicyArbitrary.ts';

/** A test child in a generated tree. */
export interface WorkerNodeSpec {
  readonly kind: 'worker';
  readonly id: string;
  readonly restart: RestartType;
  /** False: it ignores `portico.shutdown` and is stopped outright after `shutdown`. */
  readonly graceful: boolean;
  readonly shutdown: number | 'brutal_kill';
}

/** A supervisor in a generated tree. Ids are paths (`s1.w0`), unique in the whole tree. */
export interface SupervisorNodeSpec {
  readonly kind: 'supervisor';
  readonly id: string;
  readonly restart: RestartType;
  readonly policy: RestartPolicy;
  readonly children: readonly NodeSpec[];
}

export type NodeSpec = WorkerNodeSpec | SupervisorNodeSpec;

export interface SupervisionTreeConstraints {
  /** Levels of supervisors below the root. Default 1. */
  readonly maxDepth?: number;
  /** Default 3. */
  readonly maxChildren?: number;
  readonly policy?: RestartPolicyConstraints;
}

type Unnamed = Omit<WorkerNodeSpec, 'id'> | (Omit<SupervisorNodeSpec, 'id' | 'children'> & { children: Unnamed[] });

/**
 * Supervision trees: a root supervisor with a random restart policy over test children
 * (`testChild`) and nested supervisors. Build one with `buildSupervisionTree`.
 */
export function supervisionTreeArbitrary(constraints: SupervisionTreeConstraints = {}): fc.Arbitrary<SupervisorNodeSpec> {
  const maxChildren = constraints.maxChildren ?? 3;
  const restart = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');
  const worker: fc.Arbitrary<Unnamed> = fc.record({
    kind: fc.constant('worker' as const),
    restart,
    graceful: fc.boolean(),
    shutdown: fc.constantFrom<number | 'brutal_kill'>(0.5, 2, 'brutal_kill'),
  });
  const supervisor = (depth: number): fc.Arbitrary<Unnamed & { kind: 'supervisor' }> =>
    fc.record({
      kind: fc.constant('supervisor' as const),
      restart,
      policy: restartPolicyArbitrary(constraints.policy),
      children: fc.array(depth > 0 ? fc.oneof({ weight: 3, arbitrary: worker }, { weight: 1, arbitrary: supervisor(depth - 1) }) : worker, {
        minLength: 1,
        maxLength: maxChildren,
      }),
    });
  return supervisor(constraints.maxDepth ?? 1).map((root) => name(root, 'root') as SupervisorNodeSpec);
}

function name(node: Unnamed, id: string): NodeSpec {
  if (node.kind === 'worker') return { ...node, id };
  const prefix = id === 'root' ? '' : `${id}.`;
  return { ...node, id, children: node.children.map((child, i) => name(child, `${prefix}${child.kind === 'worker' ? 'w' : 's'}${i}`)) };
}

export interface SupervisionTreeOptions {
  /** The supervisors' source of jitter: the simulation's `random`, so that runs replay. */
  readonly random?: () => number;
  /** Asked at each start of the test child `id`: true makes that start fail (`TestChildInput.startFails`). */
  readonly startFails?: (id: string) => boolean;
}

/** Supervisor logic for a generated tree; every test child logs into `log`. */
export function buildSupervisionTree(spec: SupervisorNodeSpec, log: string[], options: SupervisionTreeOptions = {}): SupervisorLogic {
  const { startFails } = options;
  const children: ChildSpec[] = spec.children.map((child) =>
    child.kind === 'worker'
      ? {
          id: child.id,
          logic: testChild,
          restart: child.restart,
          shutdown: child.shutdown,
          input: { name: child.id, log, graceful: child.graceful, ...(startFails ? { startFails: () => startFails(child.id) } : {}) },
        }
      : { id: child.id, logic: buildSupervisionTree(child, log, options), restart: child.restart, kind: 'supervisor' },
  );
  return createSupervisor({ ...spec.policy, children, ...(options.random ? { random: options.random } : {}) });
}

/** The ids of every test child in a tree, depth first. */
export function treeWorkers(spec: SupervisorNodeSpec): string[] {
  return spec.children.flatMap((child) => (child.kind === 'worker' ? [child.id] : treeWorkers(child)));
}

/**
 * The live actor of the child `id`, searched through nested supervisors: this supervisor's own
 * children first, then each nested supervisor's, depth first in start order. Any tree's ids work,
 * not only the dotted ones `supervisionTreeArbitrary` makes; before, a nested child was found only
 * under an id prefixed with its supervisor's (`backends.api`), so a fault aimed at `api` in an
 * integrator's own tree reached nothing and the run checked nothing.
 */
export function findChild(supervisor: AnyActorRef, id: string): AnyActorRef | undefined {
  const snapshot = supervisor.getSnapshot() as { children?: readonly { id: string; kind: string; ref: AnyActorRef | undefined }[] };
  const children = snapshot.children ?? [];
  for (const child of children) if (child.id === id) return child.ref;
  for (const child of children) {
    if (child.kind !== 'supervisor' || !child.ref) continue;
    const found = findChild(child.ref, id);
    if (found) return found;
  }
  return undefined;
}
