import { definePorticoError } from '@portico/errors';
import type { ConfigProblem } from './config/ConfigProblem.ts';
import { formatProblem } from './config/ConfigProblem.ts';

const ConfigInvalidBase = definePorticoError(
  'PORTICO_ERR_CONFIG_INVALID',
  'ConfigInvalidError',
  (file: string, problems: readonly ConfigProblem[]) =>
    `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; fix each and run "portico check" again:\n` +
    problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
);

/**
 * A config file that cannot be used, with every problem found in one pass (`problems`), so a
 * user fixes them all at once rather than one per run.
 */
export class ConfigInvalidError extends ConfigInvalidBase {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    super(file, problems);
    this.file = file;
    this.problems = Object.freeze([...problems]);
  }
}

/** The admin endpoint's token or socket group cannot be used; `portico check` reports it as a problem of `admin`. */
export const AdminAccessUnusableError = definePorticoError('PORTICO_ERR_ADMIN_ACCESS_UNUSABLE', 'AdminAccessUnusableError', (why: string) => why);

/** `fronts` above 1 on a platform whose sockets have no file descriptor for a front to inherit (Windows). */
export const FrontsUnsupportedError = definePorticoError('PORTICO_ERR_FRONTS_UNSUPPORTED', 'FrontsUnsupportedError', (count: number) => `fronts: ${count} needs sockets with file descriptors (Linux, macOS), which this platform's have not; set "fronts": 1`);

/** `start()` on a Portico that was stopped: its apps, router and host are released for good. */
export const PorticoStoppedError = definePorticoError('PORTICO_ERR_PORTICO_STOPPED', 'PorticoStoppedError', () => 'this Portico was stopped and cannot start again: make a new one with createPortico(config) to start again');

/** A call of Portico's API with an argument it cannot use, from JavaScript that TypeScript did not check: the message names the call and the fix. */
export const InvalidPorticoOptionError = definePorticoError('PORTICO_ERR_PORTICO_INVALID_OPTION', 'InvalidPorticoOptionError', (call: string, why: string) => `${call}: ${why}`);
