import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppCommandResult, BoundAddress, PorticoStatus, RequestMetrics } from '@portico/listener';
import type { EventLogger } from '@portico/log-sink';
import type { Dispatch, DispatchRequest } from '@portico/router';
import type { Clock } from '@portico/supervisor';
import type { ProcessHost } from '@portico/worker-actor';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import type { FrontLimits } from '../fronts/FrontFleet.ts';

export interface PorticoOptions {
  /** Where Portico logs; default JSON lines on stdout (pretty on a terminal). */
  readonly logger?: EventLogger;
  readonly host?: ProcessHost;
  readonly clock?: Clock;
  /** The environment backends inherit; default `process.env`. */
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /** Loads the config file again, for `POST /reload` on the admin endpoint. */
  readonly loadConfig?: () => Promise<PorticoConfig>;
  /** Front processes when the config has no `fronts`: default 1 (one process); `portico start` gives `auto`. */
  readonly fronts?: number | 'auto';
  /**
   * Told when Portico can serve no more and has begun to stop by itself: the front processes
   * exited too often and are no longer restarted (`front.gave_up`). Its sockets close, so clients
   * are refused instead of left waiting for an accept; a host process should exit non-zero once
   * `stop()` resolves, for its service manager to start it again (`portico start` exits 69).
   */
  readonly onFailed?: (reason: string) => void;
  /**
   * The front processes' own limits in seconds (`start`, 30; `shutdown`, 10: FrontLimits), which
   * no config sets. For tests that wait for one; shorter than a loaded machine needs kills
   * healthy fronts.
   */
  readonly frontLimits?: FrontLimits;
}

/** Where `start()` bound: the front sockets, and the admin endpoint when configured. */
export interface Started {
  readonly listen: readonly BoundAddress[];
  readonly admin:
    | {
        readonly host: string;
        readonly port: number;
        /** The unix socket, which needs no token (`admin.socket`). */
        readonly socket: string;
        /** Where Portico wrote the token it made, when the config names none. */
        readonly tokenFile?: string;
      }
    | undefined;
}

/**
 * What a reload did: applied (`changed` lists the apps started, rolled over or removed), refused
 * (`errors`), or applied except for the apps in `failedRollouts`, whose new workers did not start:
 * their old ones keep serving, and `errors` says why for each.
 */
export type ReloadResult =
  | {
      readonly ok: true;
      /** The apps started, rolled over or removed. */
      readonly changed: readonly string[];
      /** The other top-level keys that changed and were applied (`limits`: for new connections). */
      readonly settings: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly string[]; readonly failedRollouts?: readonly string[] };

/** What an operator's `restart`, `stop` or `start` of one app did (docs/admin.md): the admin endpoint's own type. */
export type { AppCommandResult };

/** Portico in one object: the apps, the router, and (with `start`) the front sockets. */
export interface Portico {
  /**
   * Binds the configured listeners and the admin endpoint, and starts the eager apps. Idempotent.
   * After `stop()` it rejects with `PorticoStoppedError`: make a new Portico to start again.
   */
  start(options?: { readonly listen?: boolean }): Promise<Started>;
  /** Stops accepting, lets in-flight requests finish, stops every app's workers. Idempotent. */
  stop(): Promise<void>;
  /** Applies a new config: unchanged apps keep running, changed ones roll over, removed ones drain. */
  reload(config: PorticoConfig): Promise<ReloadResult>;
  /**
   * Rolls `app` over to new workers: they start beside the old ones, traffic moves once every one
   * is ready, then the old ones drain. If they fail, the old ones keep serving. Ends a failed
   * state or an operator's stop at once.
   */
  restart(app: string): Promise<AppCommandResult>;
  /** Drains and stops `app`'s workers; requests get 503 and do not start it until `startApp`. */
  stopApp(app: string): Promise<AppCommandResult>;
  /** Starts `app` (after `stopApp`, or a failed one at once) and resolves once it is ready or has failed. */
  startApp(app: string): Promise<AppCommandResult>;
  status(): PorticoStatus;
  /** Whether every eager app has a ready worker. */
  ready(): boolean;
  /** The forwarder's dispatcher, for front ends other than the configured listeners. */
  readonly dispatch: (request: DispatchRequest) => Dispatch | Promise<Dispatch>;
  /** A `node:http` request listener that forwards like the listeners do, for mounting in a host server (docs/embedding.md). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** For a host server's `'upgrade'` event: forwards WebSocket handshakes, refuses other upgrades. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The current config. */
  readonly config: PorticoConfig;
  /** Requests by app and status class, latency, bytes: what `/metrics` serves. */
  readonly metrics: RequestMetrics;
  onChange(listener: () => void): () => void;
}
