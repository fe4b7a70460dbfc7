import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ConfigProblemKind } from '../../config/ConfigProblem.ts';
import { describeSchema, discriminator, literals, typeOf, type SchemaNode } from './describeSchema.ts';
import { didYouMean } from './didYouMean.ts';
import { formatPath, type KeyPath } from './formatPath.ts';

/** A problem before it is given its file and printed path. */
export interface RawProblem {
  readonly kind: ConfigProblemKind;
  readonly path: KeyPath;
  readonly value?: unknown;
  readonly message: string;
  readonly allowed?: string;
  readonly line?: number;
  readonly column?: number;
  readonly excerpt?: string;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const listKeys = (keys: readonly string[]): string => keys.map((k) => `"${k}"`).join(', ');

/**
 * Checks `value` against `schema` and reports every problem, not only the first, with messages
 * written for people: which key, what was found, what is allowed. Unions of objects are told
 * apart by their discriminator (`kind`, `type`) so the report is about the branch meant, never
 * TypeBox's "Expected union value".
 */
export function walkSchema(schema: SchemaNode, value: unknown, path: KeyPath, out: RawProblem[]): void {
  const consts = literals(schema);
  if (consts) {
    if (!consts.includes(value)) out.push({ kind: 'enum', path, value, message: 'is not one of the allowed values', allowed: describeSchema(schema) });
    return;
  }
  const key = discriminator(schema);
  if (key !== undefined) {
    if (!isRecord(value)) {
      out.push({ kind: 'type', path, value, message: `has the wrong type (${typeOf(value)})`, allowed: describeSchema(schema) });
      return;
    }
    const tags = schema.anyOf!.map((b) => b.properties![key]!);
    const branch = schema.anyOf!.find((b) => b.properties![key]!.const === value[key]);
    if (branch) walkSchema(branch, value, path, out);
    else if (!(key in value)) out.push({ kind: 'missing', path: [...path, key], message: 'is required', allowed: describeSchema({ anyOf: tags }) });
    else out.push({ kind: 'enum', path: [...path, key], value: value[key], message: 'is not one of the allowed values', allowed: describeSchema({ anyOf: tags }) });
    return;
  }
  if (schema.anyOf) {
    // A branch that fits is walked too, for what the schema cannot say (a NUL in a string).
    const fits = schema.anyOf.find((b) => Value.Check(b as TSchema, value));
    if (fits) return walkSchema(fits, value, path, out);
    const sameType = schema.anyOf.find((b) => b.type === (Array.isArray(value) ? 'array' : typeof value));
    if (sameType) walkSchema(sameType, value, path, out);
    else out.push({ kind: 'type', path, value, message: `has the wrong type (${typeOf(value)})`, allowed: describeSchema(schema) });
    return;
  }
  switch (schema.type) {
    case 'object':
      return walkObject(schema, value, path, out);
    case 'array': {
      if (!Array.isArray(value)) {
        out.push({ kind: 'type', path, value, message: `has the wrong type (${typeOf(value)})`, allowed: describeSchema(schema) });
        return;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        out.push({ kind: 'range', path, value, message: `needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`, allowed: describeSchema(schema) });
      }
      value.forEach((item, index) => walkSchema(schema.items ?? {}, item, [...path, index], out));
      return;
    }
    default:
      return walkScalar(schema, value, path, out);
  }
}

function walkObject(schema: SchemaNode, value: unknown, path: KeyPath, out: RawProblem[]): void {
  if (!isRecord(value)) {
    out.push({ kind: 'type', path, value, message: `has the wrong type (${typeOf(value)})`, allowed: describeSchema(schema) });
    return;
  }
  if (schema.patternProperties) {
    const [pattern, item] = Object.entries(schema.patternProperties)[0]!;
    const keyPattern = new RegExp(pattern, 'u');
    for (const [name, entry] of Object.entries(value)) {
      // A key of its own here (JSON.parse and YAML keep it), but the defaults are applied by
      // assignment, which sets the prototype instead: the variable would vanish unsaid.
      if (name === '__proto__') out.push({ kind: 'pattern', path: [...path, name], value: name, message: 'is "__proto__", a name the config loader cannot keep', allowed: 'another name' });
      else if (!keyPattern.test(name)) out.push({ kind: 'pattern', path: [...path, name], value: name, message: 'is not a valid name', allowed: `a name matching /${pattern}/` });
      walkSchema(item, entry, [...path, name], out);
    }
    return;
  }
  const properties = schema.properties ?? {};
  const allowedKeys = Object.keys(properties);
  for (const name of Object.keys(value)) {
    if (name in properties && Object.hasOwn(properties, name)) continue;
    const moved = schema['x-portico-moved']?.[name];
    const parent = path.slice(0, -1);
    const suggestion = moved === undefined ? didYouMean(name, allowedKeys) : undefined;
    out.push({
      kind: 'unknown-key',
      path: [...path, name],
      value: value[name],
      message:
        moved !== undefined
          ? `is set on the app, not here: move it to ${formatPath([...parent, moved])}`
          : suggestion !== undefined
            ? `is not a known key; did you mean "${suggestion}"?`
            : 'is not a known key',
      allowed: `the keys ${listKeys(allowedKeys)}`,
    });
  }
  for (const name of schema.required ?? []) {
    if (!(name in value)) out.push({ kind: 'missing', path: [...path, name], message: 'is required', allowed: describeSchema(properties[name]!) });
  }
  for (const [name, property] of Object.entries(properties)) {
    if (Object.hasOwn(value, name) && value[name] !== undefined) walkSchema(property, value[name], [...path, name], out);
  }
}

function walkScalar(schema: SchemaNode, value: unknown, path: KeyPath, out: RawProblem[]): void {
  const allowed = describeSchema(schema);
  const typeOk =
    schema.type === 'integer'
      ? typeof value === 'number' && Number.isInteger(value)
      : schema.type === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : schema.type === undefined || typeof value === schema.type;
  if (!typeOk) {
    // A fraction where a whole number is wanted is a range problem, not a type problem.
    const fraction = schema.type === 'integer' && typeof value === 'number' && Number.isFinite(value);
    out.push({ kind: fraction ? 'range' : 'type', path, value, message: fraction ? 'must be a whole number' : `has the wrong type (${typeOf(value)})`, allowed });
    return;
  }
  if (typeof value === 'number') {
    const low = schema.exclusiveMinimum !== undefined ? value <= schema.exclusiveMinimum : schema.minimum !== undefined && value < schema.minimum;
    const high = schema.maximum !== undefined && value > schema.maximum;
    if (low || high) out.push({ kind: 'range', path, value, message: 'is out of range', allowed });
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      out.push({ kind: 'range', path, value, message: schema.minLength === 1 ? 'is empty' : 'is too short', allowed });
    } else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      out.push({ kind: 'pattern', path, value, message: 'has the wrong form', allowed });
    } else if (value.includes('\u0000')) {
      // No string of a config can reach the system with a NUL: a path, an argument and a name all
      // end there. `check` accepted one in processPath or arguments, and every spawn then failed.
      out.push({ kind: 'pattern', path, value, message: 'holds a NUL character (\\u0000), which no path, argument or name can carry', allowed: 'the text without the NUL' });
    }
  }
}
