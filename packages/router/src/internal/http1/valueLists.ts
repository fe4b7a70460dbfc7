/** The values of a field a head did not carry: shared by every head, never written to. */
export const NO_VALUES: readonly string[] = Object.freeze([]);

/**
 * Appends `value` to `list` and returns the list: `list` itself, or a new list of one in place of
 * `NO_VALUES`. A head with a field once (the usual case) costs one exact-size array, and a head
 * without it none.
 */
export function appendValue(list: readonly string[], value: string): readonly string[] {
  if (list === NO_VALUES) return [value];
  (list as string[]).push(value);
  return list;
}
