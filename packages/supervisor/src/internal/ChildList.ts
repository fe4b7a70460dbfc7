import type { ChildRecord } from './ChildRecord.ts';

/**
 * The children in start order, with an index by id: adding at the end, finding, removing and
 * walking from any child on cost the same whatever the number of children (a doubly linked list
 * threaded through the records, and a map).
 */
export class ChildList {
  readonly #byId = new Map<string, ChildRecord>();
  #head: ChildRecord | undefined;
  #tail: ChildRecord | undefined;

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): ChildRecord | undefined {
    return this.#byId.get(id);
  }

  append(child: ChildRecord): void {
    child.prev = this.#tail;
    child.next = undefined;
    if (this.#tail) this.#tail.next = child;
    else this.#head = child;
    this.#tail = child;
    child.listed = true;
    this.#byId.set(child.spec.id, child);
  }

  remove(child: ChildRecord): void {
    if (!child.listed) return;
    if (child.prev) child.prev.next = child.next;
    else this.#head = child.next;
    if (child.next) child.next.prev = child.prev;
    else this.#tail = child.prev;
    child.prev = child.next = undefined;
    child.listed = false;
    this.#byId.delete(child.spec.id);
  }

  /** From `from` (default the first) to the last, in start order. */
  *forward(from: ChildRecord | undefined = this.#head): Generator<ChildRecord> {
    for (let child = from; child; child = child.next) yield child;
  }

  /** From the last to the first: stop order. */
  *backward(): Generator<ChildRecord> {
    for (let child = this.#tail; child; child = child.prev) yield child;
  }
}
