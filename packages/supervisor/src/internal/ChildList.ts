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

  /**
   * From `from` (default the first) to the last, in start order. The child just yielded may be
   * removed meanwhile: the next one is read before it is yielded.
   */
  *forward(from: ChildRecord | undefined = this.#head): Generator<ChildRecord> {
    for (let child = from; child; ) {
      const next = child.next;
      yield child;
      child = next;
    }
  }

  /**
   * From the last to the first: stop order. The child just yielded may be removed meanwhile, as
   * a stop removes a temporary child or a template supervisor's (it read `prev` after the
   * removal had cleared it, and the walk ended there: the children before were never stopped).
   */
  *backward(): Generator<ChildRecord> {
    for (let child = this.#tail; child; ) {
      const prev = child.prev;
      yield child;
      child = prev;
    }
  }
}
