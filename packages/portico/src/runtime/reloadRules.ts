import { isDeepStrictEqual } from 'node:util';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';

/** What a reload does with a changed top-level key: applies it, or refuses the reload and says why. */
export type ReloadRule = { readonly kind: 'apply' } | { readonly kind: 'restart'; readonly why: string };

type TopLevelKey = Exclude<keyof PorticoConfig, '$schema'>;

/**
 * The rule of every top-level key. The type lists every key of the config, so a new key does not
 * compile until it has one: a reload never reports a change as applied that it dropped (issue 16,
 * "Nothing is dropped silently"). `$schema` is dropped when the file is loaded.
 */
export const reloadRules: { readonly [K in TopLevelKey]-?: ReloadRule } = {
  // Apps roll over: new workers start beside the old ones (createPortico's reload).
  apps: { kind: 'apply' },
  // New connections get the new limits; connections already open keep theirs until they close.
  limits: { kind: 'apply' },
  listen: { kind: 'restart', why: 'the front sockets are bound when Portico starts' },
  admin: { kind: 'restart', why: 'the admin endpoint is bound when Portico starts, and may be the one asking for this reload' },
  // Every app's sampler takes the new interval from its next sample.
  sampleInterval: { kind: 'apply' },
  fronts: { kind: 'restart', why: 'the front processes are started with Portico' },
  // Each front's ping reads it again at every ping.
  frontPing: { kind: 'apply' },
  frontGc: { kind: 'restart', why: 'the front processes are started with it' },
  watch: { kind: 'restart', why: 'the file is watched, or not, from when Portico starts' },
};

const keys = Object.keys(reloadRules) as TopLevelKey[];

/** The refusals of a reload from `running` to `next`: one per changed key that needs a restart. */
export function restartNeeded(running: PorticoConfig, next: PorticoConfig): string[] {
  return keys.flatMap((key) => {
    const rule = reloadRules[key];
    if (rule.kind !== 'restart' || isDeepStrictEqual(running[key], next[key])) return [];
    return [`"${key}" changed, which a reload cannot apply (${rule.why}): restart Portico to apply it; nothing was reloaded`];
  });
}

/** The changed keys that a reload applies besides `apps`, which it reports app by app. */
export function appliedSettings(running: PorticoConfig, next: PorticoConfig): string[] {
  return keys.filter((key) => key !== 'apps' && reloadRules[key].kind === 'apply' && !isDeepStrictEqual(running[key], next[key]));
}
