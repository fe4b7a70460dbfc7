import type { KeyPath } from './formatPath.ts';

export interface UndefinedVariable {
  readonly path: KeyPath;
  readonly value: string;
  readonly name: string;
}

/** A reference left for the spawn: the variable is one Portico sets for the backend. */
export type SpawnReference = UndefinedVariable;

const name = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Expands `%VAR%` (as ANCM does), `${VAR}` and `${VAR:-default}` in one string. `%%` is a
 * literal `%` and `$$` a literal `$`; a `%` or `$` that starts no reference is kept as it is.
 * Returns the names of the variables that are undefined and have no default. References to a
 * `deferred` name are kept, as `${NAME}` (or `${NAME:-default}`), for a later stage to fill in.
 */
export function expandString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  deferred: ReadonlySet<string> = new Set(),
): { value: string; missing: string[]; expanded: boolean; kept: string[] } {
  let value = '';
  const missing: string[] = [];
  const kept: string[] = [];
  let expanded = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const next = text[i + 1];
    if ((char === '%' && next === '%') || (char === '$' && next === '$')) {
      value += char;
      i++;
      continue;
    }
    if (char === '%') {
      const found = name.exec(text.slice(i + 1));
      if (found && text[i + 1 + found[0].length] === '%') {
        if (deferred.has(found[0])) {
          kept.push(found[0]);
          value += `\${${found[0]}}`;
          i += found[0].length + 1;
          continue;
        }
        const variable = env[found[0]];
        if (variable === undefined) missing.push(found[0]);
        value += variable ?? '';
        expanded = true;
        i += found[0].length + 1;
        continue;
      }
    }
    if (char === '$' && next === '{') {
      const close = text.indexOf('}', i + 2);
      const inner = close === -1 ? '' : text.slice(i + 2, close);
      const found = name.exec(inner);
      const rest = found ? inner.slice(found[0].length) : undefined;
      if (found && (rest === '' || rest!.startsWith(':-'))) {
        if (deferred.has(found[0])) {
          kept.push(found[0]);
          value += text.slice(i, close + 1);
          i = close;
          continue;
        }
        const variable = env[found[0]];
        if (variable !== undefined && variable !== '') value += variable;
        else if (rest !== '') value += rest!.slice(2);
        else if (variable === undefined) missing.push(found[0]);
        expanded = true;
        i = close;
        continue;
      }
    }
    value += char;
  }
  return { value, missing, expanded, kept };
}

/**
 * Expands variables in every string value of a parsed config (keys are left alone). Returns the
 * expanded copy, the paths of strings that held a reference (so their values may be converted to
 * numbers or booleans where the schema wants one), and every undefined variable. In an app's
 * `arguments`, references to the `deferred` names (the variables Portico sets for the backend)
 * are kept for the spawn and listed in `spawnReferences`.
 */
export function expandEnvironment(
  root: unknown,
  env: Readonly<Record<string, string | undefined>>,
  deferred: ReadonlySet<string> = new Set(),
): { value: unknown; expandedPaths: KeyPath[]; undefinedVariables: UndefinedVariable[]; spawnReferences: SpawnReference[] } {
  const expandedPaths: KeyPath[] = [];
  const undefinedVariables: UndefinedVariable[] = [];
  const spawnReferences: SpawnReference[] = [];
  const walk = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') {
      const result = expandString(value, env, isArguments(path) ? deferred : undefined);
      if (result.expanded) expandedPaths.push(path);
      for (const missing of result.missing) undefinedVariables.push({ path, value, name: missing });
      for (const name of result.kept) spawnReferences.push({ path, value, name });
      return result.value;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      // defineProperty, not assignment: a "__proto__" key stays a key (and is reported as unknown).
      for (const [key, item] of Object.entries(value)) {
        Object.defineProperty(copy, key, { value: walk(item, [...path, key]), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    return value;
  };
  return { value: walk(root, []), expandedPaths, undefinedVariables, spawnReferences };
}

/** `apps[i].arguments`, as one string or as an item of the list. */
function isArguments(path: KeyPath): boolean {
  return path[0] === 'apps' && typeof path[1] === 'number' && path[2] === 'arguments' && path.length <= 4;
}
