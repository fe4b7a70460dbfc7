import type { Endpoint } from './ProcessHost.ts';
import type { WorkerLoad } from './workerMachine.ts';

/**
 * A ready worker as the pool publishes it (`WorkerPool.ready`): its process, where to connect,
 * the token to send, its load counter. The router turns one into the forwarder's `Upstream` (what
 * one request is sent to); the two are different things and have different names.
 */
export interface ReadyWorker {
  readonly id: string;
  readonly pid: number;
  readonly endpoint: Endpoint;
  readonly token: string;
  /** Incremented and decremented by the router around each request; read for balancing and draining. */
  readonly load: WorkerLoad;
  /** Tells a draining worker its last request finished. */
  notifyIdle(): void;
  /** Tells the worker a connect to it was refused: it leaves `ready` at once and is probed again. */
  notifyUnreachable(): void;
}
