const brand = Symbol.for('portico.error');

/**
 * The base of every error Portico throws or reports. `code` is stable across releases
 * (`PORTICO_ERR_…`, listed in `docs/errors.md`), so callers branch on it rather than on messages.
 * `instanceof PorticoError` works across duplicate copies of the package through a registry brand.
 */
export class PorticoError extends Error {
  readonly code: string;

  constructor(code: string, name: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = name;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && brand in instance;
  }
}
