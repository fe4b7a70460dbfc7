import { isDeepStrictEqual } from 'node:util';
import type { Authenticator } from '@portico/auth-forwarder';
import type { EventLogger, OutputLine } from '@portico/log-sink';
import type { AppRoute } from '@portico/router';
import type { Clock } from '@portico/supervisor';
import { WorkerPool, type PoolHistory, type ProcessHost } from '@portico/worker-actor';
import type { AppConfig } from '../config/AppSchema.ts';
import { toWorkerPoolOptions } from '../config/toWorkerPoolOptions.ts';
import { appAuthenticator } from './appAuthenticator.ts';
import { appRoute } from './appRoute.ts';

/** Each runtime's key, unique in this process: a rolled-out app is a new pool under a new key. */
let runtimes = 0;

export interface AppWiring {
  readonly host: ProcessHost;
  readonly logger: EventLogger;
  readonly clock?: Clock;
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /** The Portico's `AuthDeps.subrequestMark`, the same for every app and process of it. */
  readonly subrequestMark?: string;
  /** Seconds between samples of each worker's CPU and memory; 0 turns sampling off. */
  readonly sampleInterval?: number;
  /** Told of every line an app's processes write, with the config they run under. */
  readonly onOutput?: (app: AppConfig, worker: string, pid: number, lines: readonly OutputLine[]) => void;
}

/** One configured app, live: its pool of workers, its authenticator, and its route. */
export class AppRuntime {
  readonly config: AppConfig;
  /** `shop#3`: names this runtime's pool to the front processes (docs/architecture.md). */
  readonly key: string;
  readonly pool: WorkerPool;
  readonly authenticator: Authenticator | undefined;
  readonly route: AppRoute;
  /** Starting beside the runtime it is to replace, which serves (`rollingOut`). */
  #rollingOut = false;

  /** `history`: the runtime this one replaces goes on in it (restart counts, last exits). */
  constructor(config: AppConfig, wiring: AppWiring, history?: PoolHistory) {
    this.config = config;
    runtimes += 1;
    this.key = `${config.name}#${runtimes}`;
    const { onOutput } = wiring;
    const output = onOutput && { onOutput: (app: AppConfig, worker: string, pid: number, lines: readonly OutputLine[]) => onOutput(app, this.#rollingOut ? `${worker} (rollout)` : worker, pid, lines) };
    this.pool = new WorkerPool({ ...toWorkerPoolOptions(config, { ...wiring, ...output }), ...(history ? { history } : {}) });
    this.authenticator = appAuthenticator(config, wiring);
    this.route = appRoute(config, this.pool, this.authenticator);
  }

  /**
   * While this runtime starts beside the one it is to replace (a reload's rollout), its workers
   * have the names of that one's (`shop#1`): their output is named `shop#1 (rollout)` meanwhile,
   * so that `portico logs` does not show what a new version that fails to start wrote under the
   * names of the workers that serve on. Taken in (or kept by itself), it is named as they are.
   */
  rollingOut(on: boolean): void {
    this.#rollingOut = on;
  }

  /** Whether a reloaded config for this app can keep this runtime as it is. */
  sameAs(config: AppConfig): boolean {
    return isDeepStrictEqual(this.config, config);
  }

  /** Drains and stops the workers, and releases the authenticator and activation sockets. */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.authenticator?.close()]);
  }
}
