import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigInvalidError, InvalidPorticoOptionError } from '../errors.ts';
import { checkConsistency, checkPathExists } from '../internal/config/checkConsistency.ts';
import { allowedForUnset, checkSpawnReferences, deferredToSpawn } from '../internal/config/checkSpawnReferences.ts';
import { checkSpawnSizes } from '../internal/config/checkSpawnSizes.ts';
import { deepFreeze } from '../internal/config/deepFreeze.ts';
import { node } from '../internal/config/describeSchema.ts';
import { expandEnvironment } from '../internal/config/expandEnvironment.ts';
import { fillDerived } from '../internal/config/fillDerived.ts';
import { formatPath, type KeyPath } from '../internal/config/formatPath.ts';
import { readConfigFile } from '../internal/config/readConfigFile.ts';
import { visitPaths } from '../internal/config/visitPaths.ts';
import { orderKeys } from '../internal/config/orderKeys.ts';
import { isRecord, walkSchema, type RawProblem } from '../internal/config/walkSchema.ts';
import { findBuildRefusals } from '../runtime/findBuildRefusals.ts';
import type { ConfigProblem } from './ConfigProblem.ts';
import { PorticoConfigSchema, type PorticoConfig } from './PorticoConfigSchema.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Variables for `%VAR%` and `${VAR}` in string values. Default `process.env`. */
  readonly env?: Environment;
  /**
   * Also build what `start` builds (authenticators, TLS contexts, the admin token) and report what
   * they refuse. Default `true`. `false` is for a reader that only needs where things are, such
   * as `portico status -c FILE` run by an operator of `admin.socketGroup`, who may not read
   * Portico's key and token files.
   */
  readonly checkBuild?: boolean;
}

export interface ResolveConfigOptions extends LoadConfigOptions {
  /** Named in problems. */
  readonly file: string;
  /** Folder that relative paths are resolved against. */
  readonly baseDir: string;
}

/**
 * Reads a config file (`.json`, `.yaml` or `.yml`), expands environment variables, applies
 * defaults, resolves relative paths against the file's folder and checks everything. Returns the
 * resolved config, frozen; or throws one `ConfigInvalidError` (`PORTICO_ERR_CONFIG_INVALID`)
 * whose `problems` list every mistake found, each with its key path.
 *
 * @example
 * const config = await loadConfig('portico.yaml', { env: process.env });
 * for (const app of config.apps) console.log(app.name, app.processPath, app.arguments);
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<PorticoConfig> {
  const absolute = resolve(file);
  const read = await readConfigFile(absolute);
  if ('problems' in read) throw new ConfigInvalidError(file, read.problems.map((p) => named(file, p)));
  return resolveConfig(read.value, { ...options, file, baseDir: dirname(absolute) });
}

/**
 * `loadConfig` for a value already parsed, as an embedding host that builds its config in code
 * would use it. Relative paths are resolved against `baseDir`.
 */
export function resolveConfig(input: unknown, options: ResolveConfigOptions): PorticoConfig {
  for (const key of ['file', 'baseDir'] as const) {
    if (typeof (options as Partial<ResolveConfigOptions> | undefined)?.[key] === 'string') continue;
    // From JavaScript: without it, "Cannot read properties of undefined (reading 'env')".
    throw new InvalidPorticoOptionError(
      'resolveConfig(input, options)',
      `options.${key} must be a string: give { file, baseDir }, "file" the name problems are reported under (such as "portico.json") and "baseDir" the folder relative paths resolve against (such as process.cwd())`,
    );
  }
  const schema = node(PorticoConfigSchema);
  const problems: RawProblem[] = [];
  if (!isRecord(input)) {
    problems.push({ kind: 'type', path: [], value: input, message: 'must hold one object with the keys "listen" and "apps"' });
    throw new ConfigInvalidError(options.file, problems.map((p) => named(options.file, p)));
  }
  const expansion = expandEnvironment(input, options.env ?? process.env, deferredToSpawn);
  for (const missing of expansion.undefinedVariables) {
    problems.push({
      kind: 'env',
      path: missing.path,
      value: missing.value,
      message: `uses the environment variable ${missing.name}, which is not set`,
      allowed: allowedForUnset(missing),
    });
  }
  const config = expansion.value as Record<string, unknown>;
  convertExpanded(config, expansion.expandedPaths);
  // A value left unexpanded would also fail its type; the missing variable is the one problem.
  const unexpanded = new Set(expansion.undefinedVariables.map((missing) => formatPath(missing.path)));
  const shape: RawProblem[] = [];
  walkSchema(schema, config, [], shape);
  problems.push(...shape.filter((problem) => !unexpanded.has(formatPath(problem.path))));
  Value.Default(PorticoConfigSchema, config);
  fillDerived(config, options.baseDir, resolve(options.baseDir, basename(options.file)));
  visitPaths(schema, config, [], (kind, text, path) => {
    const isPath = kind !== 'command' || text.includes('/') || text.includes(sep);
    const resolved = isPath ? resolve(options.baseDir, text) : text;
    const explicit = path.length > 0 && hasExplicit(input, path);
    // A path with a NUL is already refused as such; the file system cannot be asked about it.
    if ((kind === 'file' || kind === 'directory') && explicit && !text.includes('\u0000')) {
      const problem = checkPathExists(kind, resolved, isAbsolute(text) ? resolved : text, path);
      if (problem) problems.push(problem);
    }
    return resolved;
  });
  problems.push(...checkConsistency(config));
  problems.push(...checkSpawnSizes(config));
  problems.push(...checkSpawnReferences(config, expansion.spawnReferences));
  if (problems.length > 0) throw new ConfigInvalidError(options.file, inFileOrder(problems).map((p) => named(options.file, p)));
  // Every rule above is stricter than the schema; this only guards the loader against itself.
  if (!Value.Check(PorticoConfigSchema, config)) throw new Error('portico: a config passed every check but not the schema; please report this');
  const resolved = deepFreeze(orderKeys(schema, config)) as PorticoConfig;
  // Last, what the components themselves refuse, so that `check` refuses all that `start` would.
  const refused = options.checkBuild === false ? [] : findBuildRefusals(resolved, options.env ?? process.env);
  if (refused.length > 0) throw new ConfigInvalidError(options.file, refused.map((p) => named(options.file, p)));
  return resolved;
}

/** Problems grouped the way the file reads: by top-level key, then by list item; stable within. */
function inFileOrder(problems: readonly RawProblem[]): RawProblem[] {
  const keys = Object.keys(PorticoConfigSchema.properties);
  const rank = (p: RawProblem): [number, number] => {
    const top = keys.indexOf(String(p.path[0]));
    const index = p.path[1];
    return [top === -1 ? keys.length : top, typeof index === 'number' ? index : -1];
  };
  return problems
    .map((problem, order) => ({ problem, order, rank: rank(problem) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.order - b.order)
    .map((entry) => entry.problem);
}

const named = (file: string, problem: RawProblem): ConfigProblem => ({ ...problem, file, path: formatPath(problem.path) });

// A default working directory is the config's own folder and always exists; only folders and
// files the user wrote are checked, so a report never blames a key the file does not have.
function hasExplicit(input: Record<string, unknown>, path: KeyPath): boolean {
  let value: unknown = input;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment];
    else if (isRecord(value) && typeof segment === 'string' && Object.hasOwn(value, segment)) value = value[segment];
    else return false;
  }
  return value !== undefined;
}

/**
 * A variable can only give a string; where the schema wants a number or a boolean
 * (`"port": "${PORT}"`), the expanded string is converted. Strings written literally are not:
 * `"port": "8080"` stays a type error.
 */
function convertExpanded(config: Record<string, unknown>, paths: readonly KeyPath[]): void {
  if (paths.length === 0) return;
  const converted = Value.Convert(PorticoConfigSchema as TSchema, structuredClone(config));
  for (const path of paths) {
    let target: unknown = config;
    let source: unknown = converted;
    for (const segment of path.slice(0, -1)) {
      target = (target as Record<string | number, unknown>)[segment];
      source = isRecord(source) || Array.isArray(source) ? (source as Record<string | number, unknown>)[segment] : undefined;
    }
    const last = path.at(-1)!;
    const value = isRecord(source) || Array.isArray(source) ? (source as Record<string | number, unknown>)[last] : undefined;
    if (typeof value === 'number' || typeof value === 'boolean') (target as Record<string | number, unknown>)[last] = value;
  }
}
