import { InvalidAuthConfigError } from '../errors.ts';

type Section = Readonly<Record<string, unknown>>;

/** Reads one `auth` section key by key; every complaint names the key as `auth.<key>`. */
export class ConfigReader {
  readonly #section: Section;
  readonly #allowed: Set<string>;

  constructor(section: Section, allowed: readonly string[]) {
    this.#section = section;
    this.#allowed = new Set(allowed);
    for (const key of Object.keys(section)) {
      if (!this.#allowed.has(key)) fail(key, `is not known for type "${String(section['type'])}"; allowed: ${allowed.join(', ')}`);
    }
  }

  string(key: string): string;
  string(key: string, fallback: string): string;
  string(key: string, fallback: undefined): string | undefined;
  string(key: string, ...fallback: [string | undefined] | []): string | undefined {
    const value = this.#section[key];
    if (value === undefined) {
      if (fallback.length === 0) fail(key, 'is required');
      return fallback[0];
    }
    if (typeof value !== 'string' || value === '') fail(key, `must be a non-empty string, got ${describe(value)}`);
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#section[key] ?? fallback;
    if (typeof value !== 'boolean') fail(key, `must be true or false, got ${describe(value)}`);
    return value;
  }

  number(key: string, fallback: number, min: number, max: number, integer = false): number {
    const value = this.#section[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      fail(key, `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${describe(value)}`);
    }
    return value;
  }

  strings(key: string): readonly string[] | undefined {
    const value = this.#section[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
      fail(key, `must be a list of non-empty strings, got ${describe(value)}`);
    }
    return value as string[];
  }

  /** A string or a list of strings, as JWT `iss`/`aud` checks take. */
  stringOrStrings(key: string): string | string[] | undefined {
    const value = this.#section[key];
    if (typeof value === 'string' && value !== '') return value;
    if (value === undefined) return undefined;
    return [...(this.strings(key) ?? [])];
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T | undefined): T | undefined {
    const value = this.#section[key] ?? fallback;
    if (value === undefined) return undefined;
    if (!choices.includes(value as T)) fail(key, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${describe(value)}`);
    return value as T;
  }

  has(key: string): boolean {
    return this.#section[key] !== undefined;
  }
}

export function fail(key: string, why: string): never {
  throw new InvalidAuthConfigError(key, why);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
