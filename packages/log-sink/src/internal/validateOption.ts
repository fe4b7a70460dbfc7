import { InvalidLogSinkOptionError } from '../errors.ts';

export function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidLogSinkOptionError(option, `must be true or false, got ${showValue(value)}`);
}

export function wholeNumber(option: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  throw new InvalidLogSinkOptionError(option, `must be a whole number ≥ ${min}, got ${showValue(value)}`);
}

export function optionalFunction<F extends (...args: never[]) => unknown>(option: string, value: unknown): F | undefined {
  if (value === undefined || typeof value === 'function') return value as F | undefined;
  throw new InvalidLogSinkOptionError(option, `must be a function, got ${showValue(value)}`);
}

/** A short rendering of a rejected value for an error message. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : `an object (${value.constructor?.name ?? 'no prototype'})`;
}
