import { discriminator, type SchemaNode } from './describeSchema.ts';
import { isRecord } from './walkSchema.ts';

/** A copy of `value` with every object's keys in the schema's order, so printed configs read like the docs. */
export function orderKeys(schema: SchemaNode, value: unknown): unknown {
  const key = discriminator(schema);
  if (key !== undefined) {
    const branch = isRecord(value) ? schema.anyOf!.find((b) => b.properties![key]!.const === value[key]) : undefined;
    return branch ? orderKeys(branch, value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema.type === 'array' ? schema.items : schema.anyOf?.find((b) => b.type === 'array')?.items;
    return items ? value.map((item) => orderKeys(items, item)) : value;
  }
  if (isRecord(value) && schema.type === 'object' && schema.properties) {
    const ordered: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      if (Object.hasOwn(value, name)) ordered[name] = orderKeys(property, value[name]);
    }
    return ordered;
  }
  return value;
}
