import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import { InvalidPorticoOptionError } from '../errors.ts';
import { isRecord } from '../internal/config/walkSchema.ts';

/**
 * Throws `InvalidPorticoOptionError` unless `config` was resolved (`loadConfig`, `resolveConfig`):
 * a raw object has the same keys and passes the schema, whose defaulted keys are optional, and
 * failed deep inside with a TypeError that named nothing to do.
 */
export function assertResolved(config: PorticoConfig, call: string): void {
  const missing = unresolvedKey(config);
  if (missing === undefined) return;
  throw new InvalidPorticoOptionError(
    call,
    `the config was not resolved (${missing} is missing, which resolveConfig fills in): pass a config object through resolveConfig(object, { file, baseDir }), or load a file with loadConfig(file)`,
  );
}

/** The first key that resolving always fills in and `config` lacks. */
function unresolvedKey(config: unknown): string | undefined {
  if (!isRecord(config)) return 'the config object';
  if (!isRecord(config['limits'])) return 'limits';
  if (!Array.isArray(config['apps'])) return 'apps';
  const apps: unknown[] = config['apps'];
  const index = apps.findIndex((app) => !isRecord(app) || !isRecord(app['stdoutLog']));
  return index === -1 ? undefined : `apps[${index}].stdoutLog`;
}
