import type { EventLogger } from '@portico/log-sink';
import type { Subscription } from 'xstate';
import type { ReadyWorker } from '../ReadyWorker.ts';
import type { WorkerActorRef } from '../workerMachine.ts';
import { logWorkerEvent } from './poolEvents.ts';

export interface ReadyViewOptions {
  readonly app: string;
  readonly logger: EventLogger | undefined;
  /** `recycling.requests`: the requests one process may answer; 0 for no limit. */
  readonly requests: number;
  /** An elastic pool's `busyRequests`; `undefined` for a fixed pool. */
  readonly busyRequests: number | undefined;
  /** The router saw `worker`'s process `pid` answer its last allowed request. */
  readonly servedLimit: (worker: string, pid: number) => void;
  /** The router saw a request take a worker up to `busyRequests` in flight. */
  readonly busy: () => void;
  /** The ready list was rebuilt, `changed` or not: the pool looks at its state. */
  readonly rebuilt: (changed: boolean) => void;
}

/**
 * The list of ready workers the router reads on every request, kept current from the worker
 * actors' snapshots (the data path never sends an actor message), and replaced, not mutated,
 * when it changes. Follows the supervisor's children: a restart brings a new actor to follow.
 */
export class ReadyView {
  readonly #options: ReadyViewOptions;
  readonly #workers = new Map<string, { ref: WorkerActorRef; subscriptions: Subscription[] }>();
  #ready: readonly ReadyWorker[] = [];

  constructor(options: ReadyViewOptions) {
    this.#options = options;
  }

  get ready(): readonly ReadyWorker[] {
    return this.#ready;
  }

  /** Follows the actors of `children` (new refs after restarts), forgets the others, and rebuilds the list. */
  follow(children: readonly { readonly ref?: unknown }[]): void {
    const live = new Set<string>();
    const { logger, app } = this.#options;
    for (const child of children) {
      const ref = child.ref as WorkerActorRef | undefined;
      if (!ref) continue;
      live.add(ref.id);
      if (!this.#workers.has(ref.id)) {
        this.#workers.set(ref.id, {
          ref,
          subscriptions: [ref.on('*', (event) => logger && logWorkerEvent(logger, app, event)), ref.subscribe({ next: () => this.#rebuild(), error: () => {} })],
        });
      }
    }
    for (const [id, worker] of this.#workers) {
      if (live.has(id)) continue;
      for (const subscription of worker.subscriptions) subscription.unsubscribe();
      this.#workers.delete(id);
    }
    this.#rebuild();
  }

  /** Follows nothing any more (the pool's workers are gone): the list is empty. */
  clear(): void {
    for (const worker of this.#workers.values()) for (const subscription of worker.subscriptions) subscription.unsubscribe();
    this.#workers.clear();
    this.#ready = [];
  }

  #rebuild(): void {
    const { requests, busyRequests } = this.#options;
    const ready: ReadyWorker[] = [];
    for (const { ref } of this.#workers.values()) {
      const snapshot = ref.getSnapshot();
      if (snapshot.status !== 'active' || !snapshot.matches({ live: 'ready' })) continue;
      const { pid, endpoint, token, load, servedAtSpawn } = snapshot.context;
      if (pid === undefined || !endpoint || !token) continue;
      if (requests > 0 && load.recycleAt !== servedAtSpawn + requests) {
        // The router calls it when the process answers its last allowed request (IIS `requests`).
        const worker = ref.id.slice(0, ref.id.lastIndexOf('#'));
        load.recycleAt = servedAtSpawn + requests;
        load.onRecycleAt = () => this.#options.servedLimit(worker, pid);
      }
      if (busyRequests !== undefined && load.onBusy === undefined) {
        // The router calls it when a request takes this worker up to busyRequests in flight.
        load.busyAt = busyRequests;
        load.onBusy = () => this.#options.busy();
      }
      ready.push({
        id: ref.id,
        pid,
        endpoint,
        token,
        load,
        notifyIdle: () => ref.send({ type: 'worker.idle' }),
        notifyUnreachable: () => ref.send({ type: 'worker.unreachable' }),
      });
    }
    const changed = ready.length !== this.#ready.length || ready.some((u, i) => u.id !== this.#ready[i]?.id || u.pid !== this.#ready[i]?.pid);
    if (changed) this.#ready = ready;
    this.#options.rebuilt(changed);
  }
}
