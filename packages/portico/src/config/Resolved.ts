import { Type, type Static, type TArray, type TObject, type TOptional, type TRecord, type TSchema, type TUnion } from '@sinclair/typebox';

declare const filled: unique symbol;
declare const resolvesTo: unique symbol;

/** A key the file may leave out and the loader always fills: optional on input, present once resolved. */
export type TFilled<T extends TSchema> = TOptional<T> & { readonly [filled]: true };

/** A schema whose resolved value has another shape than its input (a string of arguments becomes an array). */
export type TResolvesTo<T extends TSchema, R> = T & { readonly [resolvesTo]: R };

/**
 * Optional in the file, `value` when absent. The default lives in the schema (`default`), so
 * editors show it and `Value.Default` applies it.
 */
export function Defaulted<T extends TSchema>(schema: T, value: Static<T>): TFilled<T> {
  return Type.Optional({ ...schema, default: value }) as unknown as TFilled<T>;
}

/**
 * Optional in the file; when absent the loader computes it from other values (the config file's
 * folder, the app's name). `text` says how, for the documentation (`x-portico-default`).
 */
export function Derived<T extends TSchema>(schema: T, text: string): TFilled<T> {
  return Type.Optional({ ...schema, 'x-portico-default': text }) as unknown as TFilled<T>;
}

/** Marks a schema whose resolved value has the TypeScript type `R`. */
export function ResolvesTo<R>(): <T extends TSchema>(schema: T) => TResolvesTo<T, R> {
  return (schema) => schema as TResolvesTo<typeof schema, R>;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Present<S> = S extends TOptional<TSchema> ? (S extends { readonly [filled]: true } ? true : false) : true;

/**
 * The type of a value once loaded: every defaulted or derived key present, everything read-only.
 * `Static<S>` is the type of what a file may say; `Resolved<S>` is what `loadConfig` returns.
 */
export type Resolved<S> = S extends { readonly [resolvesTo]: infer R }
  ? R
  : S extends TObject<infer P>
    ? Simplify<
        { readonly [K in keyof P as Present<P[K]> extends true ? K : never]: Resolved<P[K]> } & {
          readonly [K in keyof P as Present<P[K]> extends true ? never : K]?: Resolved<P[K]>;
        }
      >
    : S extends TArray<infer I>
      ? readonly Resolved<I>[]
      : S extends TUnion<infer U>
        ? Resolved<U[number]>
        : S extends TRecord
          ? Readonly<Static<S>>
          : S extends TSchema
            ? Static<S>
            : never;
