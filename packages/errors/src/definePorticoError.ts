import { PorticoError } from './PorticoError.ts';

/** A class made by {@link definePorticoError}: `new` takes the message's arguments. */
export interface PorticoErrorClass<Args extends unknown[]> {
  new (...args: Args): PorticoError;
  readonly code: string;
}

export interface DefinedError {
  readonly code: string;
  readonly name: string;
}

const defined = new Map<string, DefinedError>();

/**
 * Makes an error class with a stable code and a message built from its arguments. Codes are
 * unique process-wide: defining one twice throws, so two packages can never share a code.
 *
 * @example
 * export const InvalidOption = definePorticoError(
 *   'PORTICO_ERR_SUPERVISOR_INVALID_OPTION', 'InvalidOptionError',
 *   (option: string, why: string) => `option "${option}" ${why}`);
 * throw new InvalidOption('intensity', 'must be a whole number ≥ 0, got -1');
 */
export function definePorticoError<Args extends unknown[]>(
  code: `PORTICO_ERR_${string}`,
  name: string,
  message: (...args: Args) => string,
): PorticoErrorClass<Args> {
  if (defined.has(code)) throw new Error(`error code ${code} is defined twice`);
  defined.set(code, { code, name });
  const Defined = class extends PorticoError {
    static readonly code = code;
    constructor(...args: Args) {
      const last = args.at(-1);
      const cause = last instanceof Error ? { cause: last } : undefined;
      super(code, name, message(...args), cause);
    }

    static override [Symbol.hasInstance](instance: unknown): boolean {
      return PorticoError[Symbol.hasInstance](instance) && (instance as PorticoError).code === code;
    }
  };
  Object.defineProperty(Defined, 'name', { value: name });
  return Defined;
}

/** Every code defined so far in this process, for documentation checks. */
export function definedErrors(): DefinedError[] {
  return [...defined.values()];
}
