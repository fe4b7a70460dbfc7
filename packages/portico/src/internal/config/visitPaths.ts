import { discriminator, type SchemaNode } from './describeSchema.ts';
import type { KeyPath } from './formatPath.ts';
import { isRecord } from './walkSchema.ts';

export type PathKind = NonNullable<SchemaNode['x-portico-path']>;

/**
 * Calls `visit` for every string in `value` that the schema marks as a path
 * (`x-portico-path`), and replaces it with what `visit` returns. Tolerates values that do not
 * fit the schema (they are reported elsewhere): it only follows what is there.
 */
export function visitPaths(schema: SchemaNode, value: unknown, path: KeyPath, visit: (kind: PathKind, text: string, path: KeyPath) => string): unknown {
  const kind = schema['x-portico-path'];
  if (kind !== undefined) return typeof value === 'string' ? visit(kind, value, path) : value;
  const key = discriminator(schema);
  if (key !== undefined) {
    const branch = isRecord(value) ? schema.anyOf!.find((b) => b.properties![key]!.const === value[key]) : undefined;
    return branch ? visitPaths(branch, value, path, visit) : value;
  }
  if (schema.type === 'array' && Array.isArray(value) && schema.items) {
    const items = schema.items;
    return value.map((item, index) => visitPaths(items, item, [...path, index], visit));
  }
  if (schema.type === 'object' && isRecord(value) && schema.properties) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (Object.hasOwn(value, name)) value[name] = visitPaths(property, value[name], [...path, name], visit);
    }
  }
  return value;
}
