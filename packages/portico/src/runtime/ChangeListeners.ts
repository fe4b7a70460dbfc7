/** Who asked to hear of a change of status (`Portico.onChange`): the admin endpoint's pushes, the fronts. */
export class ChangeListeners {
  readonly #listeners = new Set<() => void>();

  /** Adds `listener`; the function returned removes it. */
  add(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A status listener's failure is its own.
      }
    }
  }
}
