import type { AdminSource, AppCommand, AppCommandResult, AppStatus, PorticoStatus, AdminReloadResult, WorkerStatusView } from '../../src/index.ts';

/** An AdminSource over plain data that a test changes with `update`, which notifies listeners. */
export class FakeAdminSource implements AdminSource {
  current: PorticoStatus;
  reloadResult: () => Promise<AdminReloadResult> = async () => ({ ok: true });
  reloads = 0;
  /** Set by a test to bring the status up to now before `/status` and `/metrics` read it. */
  refresh?: () => Promise<void>;
    /** Set by a test to take app commands; unset, `/apps/…` answers 501. */
  appCommand?: (app: string, command: AppCommand) => Promise<AppCommandResult>;
  readonly #listeners = new Set<() => void>();

  constructor(status: PorticoStatus = sampleStatus()) {
    this.current = status;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  status(): PorticoStatus {
    return this.current;
  }

  ready(): boolean {
    return this.current.apps.every((a) => !a.eager || a.state === 'ready');
  }

  reload(): Promise<AdminReloadResult> {
    this.reloads++;
    return this.reloadResult();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces an app (by name) and notifies. */
  updateApp(name: string, change: (app: AppStatus) => AppStatus): void {
    this.current = { ...this.current, apps: this.current.apps.map((a) => (a.name === name ? change(a) : a)) };
    for (const listener of this.#listeners) listener();
  }

  /** Replaces a worker (by id) of an app and notifies. */
  updateWorker(app: string, id: string, change: (w: WorkerStatusView) => WorkerStatusView): void {
    this.updateApp(app, (a) => ({ ...a, workers: a.workers.map((w) => (w.id === id ? change(w) : w)) }));
  }
}

export function worker(id: string, port: number, overrides: Partial<WorkerStatusView> = {}): WorkerStatusView {
  return {
    id,
    state: 'ready',
    pid: 40_000 + port % 1000,
    endpoint: { kind: 'tcp', host: '127.0.0.1', port },
    restarts: 0,
    inFlight: 0,
    readySince: Date.now() - 65_000,
    lastExit: undefined,
    ...overrides,
  };
}

export function sampleStatus(): PorticoStatus {
  return {
    startedAt: Date.now() - 3_600_000,
    version: '0.1.0',
    pid: process.pid,
    apps: [
      {
        name: 'shop',
        match: { host: '*', path: '/' },
        state: 'ready',
        eager: true,
        queueDepth: 0,
        workers: [worker('shop#1', 41_001, { inFlight: 3 }), worker('shop#2', 41_002)],
      },
      {
        name: 'reports',
        match: { host: 'reports.example.com', path: '/' },
        state: 'idle',
        eager: false,
        queueDepth: 0,
        workers: [],
      },
    ],
  };
}
