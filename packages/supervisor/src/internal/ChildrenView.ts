import type { ChildInfo } from '../SupervisorSnapshot.ts';
import type { ChildList } from './ChildList.ts';
import { childInfo, type ChildRecord } from './ChildRecord.ts';

interface Change {
  readonly id: string;
  /** The child's new view; undefined when it was removed. */
  readonly info: ChildInfo | undefined;
}

/**
 * The children list of each snapshot, without building it on every transition. A transition
 * notes the children it changed (`touch`); `capture` appends their new views to a log and hands
 * the snapshot a getter that builds its list on first read, from the last full list (`base`) and
 * the log up to the snapshot's point. Once the log is longer than the list, a new base is made,
 * so building bases costs O(1) per change on average, and a transition nobody reads the
 * children of costs O(children it changed). Old snapshots keep their own base and log prefix, so
 * each still shows the children as they were.
 */
export class ChildrenView {
  #base: readonly ChildInfo[] = [];
  #log: Change[] = [];
  readonly #dirty = new Set<ChildRecord>();

  /** Notes that a listed child changed. A removed child is noted once, by `removed`. */
  touch(child: ChildRecord): void {
    if (child.listed) this.#dirty.add(child);
  }

  removed(child: ChildRecord): void {
    this.#dirty.add(child);
  }

  capture(list: ChildList): () => readonly ChildInfo[] {
    if (this.#dirty.size > 0) this.#record();
    if (this.#log.length > Math.max(64, list.size)) {
      this.#base = Array.from(list.forward(), childInfo);
      this.#log = [];
    }
    const base = this.#base;
    const log = this.#log;
    const length = log.length;
    let built: readonly ChildInfo[] | undefined;
    return () => (built ??= build(base, log, length));
  }

  #record(): void {
    // Removals first: a child removed and another with its id added in one transition must end
    // up at the end of the start order, not in the old one's place.
    for (const child of this.#dirty) if (!child.listed) this.#log.push({ id: child.spec.id, info: undefined });
    for (const child of this.#dirty) if (child.listed) this.#log.push({ id: child.spec.id, info: childInfo(child) });
    this.#dirty.clear();
  }
}

function build(base: readonly ChildInfo[], log: readonly Change[], length: number): readonly ChildInfo[] {
  if (length === 0) return base;
  const byId = new Map(base.map((info) => [info.id, info]));
  for (let i = 0; i < length; i++) {
    const { id, info } = log[i] as Change;
    // Map keeps insertion order: a changed child keeps its place, a new one goes last.
    if (info) byId.set(id, info);
    else byId.delete(id);
  }
  return Array.from(byId.values());
}
