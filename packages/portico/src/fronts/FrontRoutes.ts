import type { Clock } from '@portico/supervisor';
import type { PorticoConfig } from '../config/PorticoConfigSchema.ts';
import type { AppRuntime } from '../runtime/AppRuntime.ts';
import type { FrontHolds } from './FrontHolds.ts';
import type { ControlMessage, PoolView, RoutedApp } from './FrontMessage.ts';
import { poolView } from './poolView.ts';
import type { FrontProcess } from './spawnFront.ts';

/**
 * The routes the control sends its fronts (the routed apps, each with its pool's view, and the
 * limits), and who has applied which: a `publishRoutes` resolves once every front it was sent to
 * routes by it, or has exited.
 */
export class FrontRoutes {
  readonly #holds: FrontHolds;
  readonly #clock: Clock;
  readonly #config: () => PorticoConfig;
  readonly #routed: () => readonly AppRuntime[];
  /** `routes` messages sent and not yet applied, by id: who is still to answer. */
  #sent = 0;
  /**
   * The id of the last `routes` sent to each front: one applied after it was never sent, and
   * would answer every `routes` still to come (a reload would take the front for one that routes
   * to the new workers). The ids are the fleet's, so a front's are not consecutive.
   */
  readonly #sentTo = new Map<number, number>();
  readonly #waiting = new Map<number, { readonly fronts: Set<number>; readonly resolve: () => void }>();

  constructor(holds: FrontHolds, clock: Clock, config: () => PorticoConfig, routed: () => readonly AppRuntime[]) {
    this.#holds = holds;
    this.#clock = clock;
    this.#config = config;
    this.#routed = routed;
  }

  /** `runtime`'s pool as `front` is told of it; the front holds each ready worker from now (`FrontHolds`). */
  viewFor(front: number, runtime: AppRuntime): PoolView {
    for (const worker of runtime.pool.ready) this.#holds.hold(front, runtime.key, worker);
    return poolView(runtime.pool, this.#clock);
  }

  /** The `routes` message for `front`, under a new id unless `id` is given. */
  routesFor(front: number, id = ++this.#sent): ControlMessage {
    this.#sentTo.set(front, id);
    return {
      type: 'routes',
      id,
      apps: this.#routed().map((runtime): RoutedApp => ({ key: runtime.key, config: runtime.config, view: this.viewFor(front, runtime) })),
      limits: this.#config().limits,
    };
  }

  /** Sends the routes in force to every front of `running`; resolves once each has applied them (`applied`). */
  publish(running: readonly (readonly [number, FrontProcess])[]): Promise<void> {
    const id = ++this.#sent;
    if (running.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#waiting.set(id, { fronts: new Set(running.map(([front]) => front)), resolve });
      for (const [front, child] of running) child.send(this.routesFor(front, id));
    });
  }

  /** Why `front`'s `routes.applied` of `id` is refused (an id never sent it), or undefined. */
  problemOf(front: number, id: number): string | undefined {
    const last = this.#sentTo.get(front) ?? 0;
    return id > last ? `id is ${id}, not an id the control sent: the last routes it sent this front had id ${last}` : undefined;
  }

  /** `front` routes by the routes of `id` and every earlier one; without `id`, it has exited and waits for nothing. */
  applied(front: number, id?: number): void {
    for (const [waitId, waiting] of this.#waiting) {
      if (id !== undefined && waitId > id) continue;
      waiting.fronts.delete(front);
      if (waiting.fronts.size > 0) continue;
      this.#waiting.delete(waitId);
      waiting.resolve();
    }
  }
}
