import { deleteChild, startChild, terminateChild, type ChildSpec, type SupervisorRef } from '@portico/supervisor';
import type { PoolHistory } from '../PoolHistory.ts';
import type { ListenSocket } from '../ProcessHost.ts';
import { exitOfError, summarizeExit } from '../WorkerExit.ts';
import { workerMachine, type WorkerActorRef, type WorkerLoad, type WorkerSnapshot } from '../workerMachine.ts';
import { supervisorShutdown } from './supervisorShutdown.ts';
import type { WorkerPoolOptions } from '../WorkerPoolOptions.ts';

export interface PoolWorkersOptions {
  readonly app: string;
  /** processesPerApplication: the workers a pool starts with. */
  readonly count: number;
  readonly pool: Pick<WorkerPoolOptions, 'worker' | 'onOutput'>;
  readonly history: PoolHistory;
  /** Where replaced hung processes' stops are tracked (the pool waits for them). */
  readonly released: Set<Promise<void>>;
  /** The pool's change notifications: a wait for a new worker's readiness looks again on each. */
  readonly onChange: (listener: () => void) => () => void;
  /** `name` is gone for good (replaced, retired, or removed after a failed start). */
  readonly forgotten: (name: string) => void;
}

/** What adding a worker came to: ready (its name and pid), failed to start (why), or nothing (the pool moved on). */
export type Added = { readonly name: string; readonly pid: number } | { readonly name: string; readonly error: string } | undefined;

/**
 * The workers a pool holds, by name (`shop#2`), with the load counter the router keeps for each
 * and, in socket-activation mode, the socket each name listens on. A pool starts `count` workers,
 * `shop#1` up; a worker added later (a recycle's replacement, an elastic pool's growth) takes the
 * lowest free name, and a retired one gives its name back.
 */
export class PoolWorkers {
  readonly #options: PoolWorkersOptions;
  #loads = new Map<string, WorkerLoad>();
  /** Socket activation: bound once per name and kept across the pool's restarts. */
  readonly #sockets = new Map<string, ListenSocket>();

  constructor(options: PoolWorkersOptions) {
    this.#options = options;
  }

  /** The load counter of each worker, in start order; kept after a stop, for status. */
  get loads(): ReadonlyMap<string, WorkerLoad> {
    return this.#loads;
  }

  get size(): number {
    return this.#loads.size;
  }

  /** The workers' names: the live ones, else those of the last run, else the first run's. */
  names(): string[] {
    return this.#loads.size > 0 ? [...this.#loads.keys()] : this.#first();
  }

  /** The child specs of a pool's start: `count` workers, each name keeping its counter across restarts. */
  async starting(): Promise<ChildSpec[]> {
    const names = this.#first();
    this.#loads = new Map(names.map((name) => [name, this.#loads.get(name) ?? { inFlight: 0, served: 0 }]));
    await Promise.all(names.map((name) => this.#bindSocket(name)));
    return names.map((name) => this.#childSpec(name, this.#loads.get(name)!));
  }

  /**
   * Starts a new worker under `supervisor`, beside the others, under the lowest free name, and
   * resolves once it is ready; a worker that does not become ready is removed again. `current`
   * says whether the pool still runs that supervisor; once `wanted` says no (Portico stops during
   * a rolling restart), the new worker is removed at once and nothing is added.
   */
  async add(supervisor: SupervisorRef, current: () => boolean, wanted: () => boolean = () => true): Promise<Added> {
    let number = 1;
    while (this.#loads.has(`${this.#options.app}#${number}`)) number++;
    const name = `${this.#options.app}#${number}`;
    const load: WorkerLoad = { inFlight: 0, served: 0 };
    // Taken before the first wait, so two workers added at once never get the same name.
    this.#loads.set(name, load);
    try {
      await this.#bindSocket(name);
    } catch (error) {
      // The kernel refused the new worker a socket (EMFILE): its start failed, as an exit before
      // ready does. Thrown on, it left a rolling restart unsettled and every command after it waiting.
      this.#forget(name);
      return current() ? { name, error: `${name} could not get its socket: ${(error as Error).message}` } : undefined;
    }
    // Started with `ready`: a new worker that exits before it is ready is a start the supervisor
    // refuses (start_failed), not a crash: no restart is counted against rapidFailsPerMinute and
    // none is tried, so a replacement that cannot start never takes the serving workers down.
    const spec = { ...this.#childSpec(name, load), ready: (snapshot: WorkerSnapshot) => snapshot.matches({ live: 'ready' }) };
    const started = current() && wanted() ? await this.#start(supervisor, spec, () => current() && !wanted()) : undefined;
    if (started === undefined) {
      this.#forget(name);
      return undefined;
    }
    const pid = started.ok ? await this.#untilReady(started.ref as WorkerActorRef, () => current() && wanted()) : undefined;
    if (pid !== undefined) return { name, pid };
    if (started.ok && current()) {
      await terminateChild(supervisor, name);
      await deleteChild(supervisor, name);
    }
    this.#forget(name);
    if (!current() || !wanted()) return undefined;
    // A refused start carries the worker's exit as its cause.
    const exit = started.ok ? this.#options.history.lastExit(name) : exitOfError(started.error.cause);
    return { name, error: exit ? `${name} ${exit.kind.replace(/_/g, ' ')}, ${summarizeExit(exit)}` : started.ok ? `${name} did not become ready` : started.error.message };
  }

  /** Takes `name` out of routing at once (draining), and forgets it once its last request is over and it stopped. */
  async retire(supervisor: SupervisorRef, name: string): Promise<void> {
    await terminateChild(supervisor, name);
    const child = supervisor.getSnapshot().children.find((c) => c.id === name);
    if (child) this.#options.history.addRestarts(name, child.restarts);
    await deleteChild(supervisor, name);
    this.#forget(name);
  }

  /** Releases the activation sockets for good. */
  async close(): Promise<void> {
    await Promise.all([...this.#sockets.values()].map((s) => s.close()));
    this.#sockets.clear();
  }

  #first(): string[] {
    return Array.from({ length: this.#options.count }, (_, index) => `${this.#options.app}#${index + 1}`);
  }

  #forget(name: string): void {
    this.#loads.delete(name);
    this.#options.forgotten(name);
  }

  /** Socket activation: binds `name`'s socket unless it has one. */
  async #bindSocket(name: string): Promise<void> {
    const worker = this.#options.pool.worker;
    if (worker.listenMode !== 'socket-activation' || this.#sockets.has(name)) return;
    this.#sockets.set(name, await worker.host.bindListenSocket({ kind: 'tcp', host: '127.0.0.1', port: 0 }));
  }

  /** The supervisor's child for the worker `name`, counting its requests on `load`. */
  #childSpec(name: string, load: WorkerLoad): ChildSpec {
    const { worker, onOutput } = this.#options.pool;
    const socket = this.#sockets.get(name);
    return {
      id: name,
      logic: workerMachine,
      input: {
        options: {
          ...worker,
          ...(socket ? { listenSocket: socket } : {}),
          ...(onOutput === undefined
            ? {}
            : { output: { stdoutLogEnabled: false, stdoutLogFile: '', ...worker.output, onLines: onOutput.bind(undefined, name) } }),
        },
        load,
        released: this.#options.released,
      },
      // The worker enforces shutdownTimeLimit itself; this is the backstop.
      shutdown: supervisorShutdown(worker),
    };
  }

  /** `startChild`, ended at once (answering start_failed) when `abandoned` says so at a change of the pool while it waits for readiness. */
  async #start(supervisor: SupervisorRef, spec: ChildSpec, abandoned: () => boolean): ReturnType<typeof startChild> {
    const off = this.#options.onChange(() => {
      if (!abandoned()) return;
      off();
      void terminateChild(supervisor, spec.id);
    });
    try {
      return await startChild(supervisor, spec);
    } finally {
      off();
    }
  }

  /** Resolves with the pid of `ref`'s process once it is ready, or `undefined` once it ended or the pool moved on. */
  #untilReady(ref: WorkerActorRef, current: () => boolean): Promise<number | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const snapshot = ref.getSnapshot();
        const outcome = !current() || snapshot.status !== 'active' ? null : snapshot.matches({ live: 'ready' }) ? snapshot.context.pid : undefined;
        if (outcome === undefined) return;
        off();
        subscription.unsubscribe();
        resolve(outcome ?? undefined);
      };
      const off = this.#options.onChange(check);
      const subscription = ref.subscribe({ next: check, error: check, complete: check });
      check();
    });
  }
}
