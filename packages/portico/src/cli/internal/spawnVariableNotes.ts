import { spawnReferences } from '@portico/worker-actor';
import type { PorticoConfig } from '../../config/PorticoConfigSchema.ts';
import { describeSpawnVariables } from '../../internal/config/checkSpawnReferences.ts';

/**
 * One line per app whose arguments name a variable Portico fills in at spawn time, so that
 * `check` says where `${PORT}` comes from and which variables Portico itself provides.
 */
export function spawnVariableNotes(config: PorticoConfig): string[] {
  const notes: string[] = [];
  config.apps.forEach((app, index) => {
    const names = [...new Set(app.arguments.flatMap(spawnReferences))];
    if (names.length === 0) return;
    notes.push(
      `apps[${index}].arguments: ${names.map((name) => `\${${name}}`).join(', ')} ${names.length === 1 ? 'is' : 'are'} filled in by Portico when it starts each process; it provides ${describeSpawnVariables()}`,
    );
  });
  return notes;
}
