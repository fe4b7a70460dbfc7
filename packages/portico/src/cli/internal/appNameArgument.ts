import { AppSchema } from '../../config/AppSchema.ts';
import { UsageError } from '../UsageError.ts';

const appName = new RegExp(AppSchema.properties.name.pattern!);

/**
 * `name` as given for APP, or a usage error when no app can have it (the config's rule for
 * names): a name of 20,000 characters was sent and came back as a 431 for the request's head,
 * and one with a `/` asked a path that is no app's.
 */
export function appNameArgument(name: string): string {
  if (appName.test(name)) return name;
  const shown = name.length > 64 ? `"${name.slice(0, 64)}…" (${name.length} characters)` : JSON.stringify(name);
  throw new UsageError(`no app can be named ${shown}: app names are ${AppSchema.properties.name['x-portico-allowed'] as string}; portico status lists them`);
}
