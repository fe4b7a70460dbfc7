import type { TSchema } from '@sinclair/typebox';

/** The keywords of the JSON Schema subset the config uses. */
export interface SchemaNode {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly SchemaNode[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly minItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly default?: unknown;
  readonly description?: string;
  readonly 'x-portico-default'?: string;
  /** A path resolved against the config file's folder; `file` and `directory` must exist, `command` only when it holds a slash. */
  readonly 'x-portico-path'?: 'file' | 'directory' | 'prefix' | 'command';
  /** How to say what is allowed, where the pattern would be unreadable. */
  readonly 'x-portico-allowed'?: string;
  readonly 'x-portico-moved'?: Readonly<Record<string, string>>;
}

export const node = (schema: TSchema): SchemaNode => schema as SchemaNode;

const number = (n: number): string => (Math.abs(n) >= 10000 ? n.toLocaleString('en-US') : String(n));

/** The discriminating key of a union of objects (`kind`, `type`), if there is one. */
export function discriminator(schema: SchemaNode): string | undefined {
  const branches = schema.anyOf;
  if (!branches || branches.length === 0 || !branches.every((b) => b.type === 'object')) return undefined;
  const first = branches[0]!;
  return Object.keys(first.properties ?? {}).find((key) => branches.every((b) => b.properties?.[key]?.const !== undefined));
}

/** The constants of a union of literals, or undefined. */
export function literals(schema: SchemaNode): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  if (schema.anyOf?.every((b) => b.const !== undefined)) return schema.anyOf.map((b) => b.const);
  return undefined;
}

/** Type and range in words: `a whole number from 1 to 100`, `"tcp", "unix" or "socket-activation"`. */
export function describeSchema(schema: SchemaNode): string {
  if (schema['x-portico-allowed'] !== undefined) return schema['x-portico-allowed'];
  const consts = literals(schema);
  if (consts) {
    const shown = consts.map((c) => JSON.stringify(c));
    return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
  }
  const key = discriminator(schema);
  if (key !== undefined) {
    return `an object whose "${key}" is ${describeSchema({ anyOf: schema.anyOf!.map((b) => b.properties![key]!) })}`;
  }
  if (schema.anyOf) return schema.anyOf.map(describeSchema).join(', or ');
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const kind = schema.type === 'integer' ? 'a whole number' : 'a number';
      const low = schema.exclusiveMinimum ?? schema.minimum;
      const lowText = low === undefined ? '' : schema.exclusiveMinimum !== undefined ? `more than ${number(low)}` : number(low);
      if (low !== undefined && schema.maximum !== undefined) {
        return schema.exclusiveMinimum !== undefined ? `${kind} more than ${number(low)} and at most ${number(schema.maximum)}` : `${kind} from ${lowText} to ${number(schema.maximum)}`;
      }
      if (low !== undefined) return schema.exclusiveMinimum !== undefined ? `${kind} ${lowText}` : `${kind} ≥ ${lowText}`;
      return kind;
    }
    case 'boolean':
      return 'true or false';
    case 'string': {
      if (schema.pattern !== undefined) return `a string matching /${schema.pattern}/`;
      if (schema.minLength !== undefined && schema.minLength > 1) return `a string of at least ${schema.minLength} characters`;
      return schema.minLength === 1 ? 'a non-empty string' : 'a string';
    }
    case 'array': {
      const items = schema.items ? describeSchema(schema.items) : 'anything';
      return `a list${schema.minItems ? ` of at least ${schema.minItems}` : ''} (each ${items})`;
    }
    case 'object':
      return schema.patternProperties ? 'an object of names to strings' : 'an object';
    default:
      return 'anything';
  }
}

/** The JSON type of a value in words, for "expected a number, got a string". */
export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}
