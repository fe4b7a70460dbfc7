/** The values of a field a head did not carry: shared by every head, never written to. */
export const NO_VALUES: readonly string[] = Object.freeze([]);

/**
 * `list` with `value` appended: a list of one made for this head in place of `NO_VALUES`, so a
 * head with a field once (the usual case) costs one exact-size array and a head without it none.
 */
export function withValue(list: readonly string[], value: string): readonly string[] {
  if (list === NO_VALUES) return [value];
  (list as string[]).push(value);
  return list;
}
