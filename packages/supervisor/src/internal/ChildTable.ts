import type { AnyActorRef } from 'xstate';
import type { ChildCounts, ChildInfo, ChildState } from '../SupervisorSnapshot.ts';
import { ChildList } from './ChildList.ts';
import type { ChildRecord } from './ChildRecord.ts';
import { ChildrenView } from './ChildrenView.ts';

/**
 * A supervisor's children and every index over them: the start order and ids (`ChildList`), the
 * live incarnation of each by actor id, the significant children not terminated
 * (`all_significant`), the counts of OTP's count_children and the snapshots' view. A child's
 * state, its incarnation and its place in the list change only through here, so each index is
 * kept true at the cost of the one child that changed, never a walk over all of them (issue 16:
 * 10 000 children made each start 21–35× slower than 1 000).
 */
export class ChildTable {
  readonly #list = new ChildList();
  readonly #view = new ChildrenView();
  readonly #byActorId = new Map<string, ChildRecord>();
  readonly #liveSignificant = new Set<ChildRecord>();
  /** Children with a live actor, and children of kind supervisor: count_children without a walk. */
  #active = 0;
  #supervisors = 0;

  get(id: string): ChildRecord | undefined {
    return this.#list.get(id);
  }

  /** The child whose live incarnation has this actor id; none for an incarnation already forgotten. */
  byActorId(actorId: string): ChildRecord | undefined {
    return this.#byActorId.get(actorId);
  }

  /** From `from` (default the first) to the last, in start order. */
  forward(from?: ChildRecord): Generator<ChildRecord> {
    return this.#list.forward(from);
  }

  /** From the last to the first: stop order. */
  backward(): Generator<ChildRecord> {
    return this.#list.backward();
  }

  counts(): ChildCounts {
    const specs = this.#list.size;
    return { specs, active: this.#active, supervisors: this.#supervisors, workers: specs - this.#supervisors };
  }

  /** Significant children not terminated. */
  get liveSignificant(): number {
    return this.#liveSignificant.size;
  }

  add(child: ChildRecord): void {
    this.#list.append(child);
    if (child.spec.kind === 'supervisor') this.#supervisors += 1;
    this.setState(child, child.state);
  }

  remove(child: ChildRecord): void {
    this.forgetIncarnation(child);
    if (child.listed && child.spec.kind === 'supervisor') this.#supervisors -= 1;
    this.#list.remove(child);
    this.#liveSignificant.delete(child);
    this.#view.removed(child);
  }

  /** Every change of a child's state goes through here, so the indexes over states stay true. */
  setState(child: ChildRecord, state: ChildState): void {
    child.state = state;
    if (child.spec.significant && child.listed) {
      if (state === 'terminated') this.#liveSignificant.delete(child);
      else this.#liveSignificant.add(child);
    }
    this.#view.touch(child);
  }

  /** The child's new incarnation runs as `ref`, known by the actor's id from now on. */
  incarnate(child: ChildRecord, ref: AnyActorRef): void {
    child.ref = ref;
    child.actorId = ref.id;
    this.#active += 1;
    this.#byActorId.set(ref.id, child);
  }

  /** The child's incarnation is gone or abandoned: events from it are stale from now on. */
  forgetIncarnation(child: ChildRecord): void {
    child.readySubscription?.unsubscribe();
    child.readySubscription = undefined;
    if (child.actorId) this.#byActorId.delete(child.actorId);
    if (child.ref) this.#active -= 1;
    child.ref = undefined;
    this.#view.touch(child);
  }

  /** Notes a change the snapshots' view must show that is not one of state (a last exit). */
  touch(child: ChildRecord): void {
    this.#view.touch(child);
  }

  /** The children list of a snapshot, built on first read (`ChildrenView`). */
  capture(): () => readonly ChildInfo[] {
    return this.#view.capture(this.#list);
  }
}
