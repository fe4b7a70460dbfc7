import { createSupervisor, type AutoShutdown, type ChildSpec, type RestartType, type SupervisorLogic } from '@portico/supervisor';
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
  /** Its exit on its own (not restarted) may end its supervisor (`autoShutdown`); never on a permanent child. */
  readonly significant?: boolean;
}

/** A supervisor in a generated tree. Ids are paths (`s1.w0`), unique in the whole tree. */
export interface SupervisorNodeSpec {
  readonly kind: 'supervisor';
  readonly id: string;
  readonly restart: RestartType;
  readonly policy: RestartPolicy;
  readonly children: readonly NodeSpec[];
  readonly autoShutdown?: AutoShutdown;
  readonly significant?: boolean;
  /** Its shutdown time in its parent (seconds); default `infinity`, as for every supervisor. */
  readonly shutdown?: number | 'brutal_kill' | 'infinity';
}

export type NodeSpec = WorkerNodeSpec | SupervisorNodeSpec;

export interface SupervisionTreeConstraints {
  /** Levels of supervisors below the root. Default 1. */
  readonly maxDepth?: number;
  /** Default 3. */
  readonly maxChildren?: number;
  readonly policy?: RestartPolicyConstraints;
  /**
   * Give supervisors a random `autoShutdown` and their transient and temporary children a
   * random `significant`. Default false: no auto-shutdown, as before.
   */
  readonly autoShutdown?: boolean;
  /**
   * Give nested supervisors a random shutdown time (1 s, 3 s, brutal_kill or the default
   * infinity): one that does not stop its children within it is stopped outright, and so are they.
   * Default false.
   */
  readonly supervisorShutdowns?: boolean;
}

type Unnamed = Omit<WorkerNodeSpec, 'id'> | (Omit<SupervisorNodeSpec, 'id' | 'children'> & { children: Unnamed[] });

/**
 * Supervision trees: a root supervisor with a random restart policy over test children
 * (`testChild`) and nested supervisors. Build one with `buildSupervisionTree`.
 */
export function supervisionTreeArbitrary(constraints: SupervisionTreeConstraints = {}): fc.Arbitrary<SupervisorNodeSpec> {
  const maxChildren = constraints.maxChildren ?? 3;
  const restart = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');
  const significance: { significant?: fc.Arbitrary<boolean> } = constraints.autoShutdown ? { significant: fc.boolean() } : {};
  const worker: fc.Arbitrary<Unnamed> = fc.record({
    kind: fc.constant('worker' as const),
    restart,
    graceful: fc.boolean(),
    shutdown: fc.constantFrom<number | 'brutal_kill'>(0.5, 2, 'brutal_kill'),
    ...significance,
  });
  const supervisor = (depth: number): fc.Arbitrary<Unnamed & { kind: 'supervisor' }> =>
    fc.record({
      kind: fc.constant('supervisor' as const),
      restart,
      policy: restartPolicyArbitrary(constraints.policy),
      ...significance,
      ...(constraints.autoShutdown ? { autoShutdown: fc.constantFrom<AutoShutdown>('never', 'any_significant', 'all_significant') } : {}),
      ...(constraints.supervisorShutdowns ? { shutdown: fc.constantFrom<number | 'brutal_kill' | 'infinity'>('infinity', 1, 3, 'brutal_kill') } : {}),
      children: fc.array(depth > 0 ? fc.oneof({ weight: 3, arbitrary: worker }, { weight: 1, arbitrary: supervisor(depth - 1) }) : worker, {
        minLength: 1,
        maxLength: maxChildren,
      }),
    });
  return supervisor(constraints.maxDepth ?? 1).map((root) => name(root, 'root', 'never') as SupervisorNodeSpec);
}

/**
 * Names each node by its path, and keeps `significant` only where a supervisor accepts it (a
 * transient or temporary child of a supervisor whose autoShutdown is not never; the root has none).
 */
function name(node: Unnamed, id: string, parentMode: AutoShutdown): NodeSpec {
  const { significant, ...rest } = node;
  const kept = significant === undefined ? {} : { significant: significant && parentMode !== 'never' && node.restart !== 'permanent' };
  if (rest.kind === 'worker') return { ...rest, ...kept, id };
  const prefix = id === 'root' ? '' : `${id}.`;
  const mode = rest.autoShutdown ?? 'never';
  return { ...rest, ...kept, id, children: rest.children.map((child, i) => name(child, `${prefix}${child.kind === 'worker' ? 'w' : 's'}${i}`, mode)) };
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
          ...(child.significant === undefined ? {} : { significant: child.significant }),
          input: { name: child.id, log, graceful: child.graceful, ...(startFails ? { startFails: () => startFails(child.id) } : {}) },
        }
      : {
          id: child.id,
          logic: buildSupervisionTree(child, log, options),
          restart: child.restart,
          kind: 'supervisor',
          ...(child.significant === undefined ? {} : { significant: child.significant }),
          ...(child.shutdown === undefined ? {} : { shutdown: child.shutdown }),
        },
  );
  const autoShutdown = spec.autoShutdown === undefined ? {} : { autoShutdown: spec.autoShutdown };
  return createSupervisor({ ...spec.policy, ...autoShutdown, children, ...(options.random ? { random: options.random } : {}) });
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
