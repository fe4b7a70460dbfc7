import { secretSpawnVariables, spawnVariables } from '@portico/worker-actor';
import type { SpawnReference, UndefinedVariable } from './expandEnvironment.ts';
import { isRecord, type RawProblem } from './walkSchema.ts';

/** Every name an app's `arguments` keeps for the spawn, the secret ones included (to refuse them). */
export const deferredToSpawn: ReadonlySet<string> = new Set([...Object.keys(spawnVariables), ...secretSpawnVariables]);

/** "PORT, PORTICO_PORT (listenMode "tcp"), …": what Portico provides, for messages. */
export function describeSpawnVariables(): string {
  const byMode = new Map<string, string[]>();
  for (const [name, mode] of Object.entries(spawnVariables)) byMode.set(mode ?? '', [...(byMode.get(mode ?? '') ?? []), name]);
  return [...byMode].map(([mode, names]) => (mode === '' ? names.join(', ') : `${names.join(', ')} (listenMode "${mode}")`)).join(', ');
}

/**
 * Refuses what an app's arguments keep for the spawn but the spawn would not fill in: the
 * pairing token (arguments are public), and a variable its listen mode does not set. Run after
 * defaults, so `listenMode` is known.
 */
export function checkSpawnReferences(config: Record<string, unknown>, references: readonly SpawnReference[]): RawProblem[] {
  const apps = Array.isArray(config['apps']) ? config['apps'] : [];
  const problems: RawProblem[] = [];
  for (const { path, value, name } of references) {
    if (secretSpawnVariables.includes(name)) {
      problems.push({
        kind: 'refused',
        path,
        value,
        message: `${name} must not be put in arguments: every user on the host can read a process's arguments (ps)`,
        allowed: `read ${name} from the environment in the backend`,
      });
      continue;
    }
    const app: unknown = apps[path[1] as number];
    const mode = isRecord(app) ? app['listenMode'] : undefined;
    const needs = spawnVariables[name];
    if (needs !== undefined && mode !== needs) {
      problems.push({
        kind: 'conflict',
        path,
        value,
        message: `${name} is set only with listenMode "${needs}"; this app's listenMode is "${String(mode)}"`,
        allowed: `listenMode "${needs}", or one of the variables Portico provides: ${describeSpawnVariables()}`,
      });
    }
  }
  return problems;
}

/** The `allowed` text of an unset variable: for one that Portico sets, where it can be named. */
export function allowedForUnset(missing: UndefinedVariable): string {
  if (missing.name in spawnVariables) {
    return `Portico sets ${missing.name} for the backend when it starts it: name it in "arguments" (filled in at each start) or read it from the environment in the backend`;
  }
  return `set ${missing.name}, or give a default: \${${missing.name}:-value}`;
}
