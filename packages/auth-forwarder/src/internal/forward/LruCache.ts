interface Slot<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/** A bounded map that forgets the least recently used entry first and entries past their time. */
export class LruCache<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(key: string, now: number): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (slot.expiresAt <= now) return undefined;
    // Re-inserting moves the key to the end of the Map's order: the most recently used.
    this.#slots.set(key, slot);
    return slot.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.#slots.delete(key);
    this.#slots.set(key, { value, expiresAt });
    if (this.#slots.size > this.#capacity) this.#slots.delete(this.#slots.keys().next().value!);
  }

  clear(): void {
    this.#slots.clear();
  }
}
