import type { EventLogger } from '@portico/log-sink';
import { logEvent } from '@portico/log-sink';
import type { Clock } from '@portico/supervisor';
import type { AppConfig } from '../config/AppSchema.ts';
import type { AppRuntime } from './AppRuntime.ts';
import { watchAppFiles } from './watchAppFiles.ts';

/**
 * Each app's file watcher (`watchedFiles`), by name: made for the apps that name files, made again
 * for an app whose config changed, closed for an app that is gone or when Portico stops. What a
 * change does is `onChange`'s (a rollover, as `portico restart`).
 */
export class AppWatchers {
  readonly #clock: Clock;
  readonly #logger: EventLogger;
  readonly #onChange: (app: string, files: readonly string[]) => void;
  readonly #watchers = new Map<string, { readonly config: AppConfig; readonly close: () => void }>();

  constructor(clock: Clock, logger: EventLogger, onChange: (app: string, files: readonly string[]) => void) {
    this.#clock = clock;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** Watches what `apps` name now; with `closing`, closes every watcher and makes none. */
  update(apps: ReadonlyMap<string, AppRuntime>, closing: boolean): void {
    for (const [name, watcher] of this.#watchers) {
      if (!closing && apps.get(name)?.config === watcher.config) continue;
      watcher.close();
      this.#watchers.delete(name);
    }
    if (closing) return;
    for (const app of apps.values()) {
      const { name, watchedFiles, workingDirectory } = app.config;
      if (watchedFiles.length === 0 || this.#watchers.has(name)) continue;
      const { close, unwatched } = watchAppFiles(workingDirectory, watchedFiles, this.#clock, (files) => this.#onChange(name, files));
      if (unwatched.length > 0) logEvent(this.#logger, 'app.watch_failed', { app: name, paths: unwatched });
      this.#watchers.set(name, { config: app.config, close });
    }
  }
}
