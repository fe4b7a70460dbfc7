import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { liveProtocol } from './adminAccess.ts';
import type { AdminSource, PorticoStatus } from '../AdminSource.ts';
import type { RequestMetrics } from '../RequestMetrics.ts';
import type { MetricsHistory } from './MetricsHistory.ts';

/** Per app, over the last rate interval. */
export interface AppRates {
  readonly app: string;
  readonly requestsPerSecond: number;
  readonly serverErrorsPerSecond: number;
  readonly bytesInPerSecond: number;
  readonly bytesOutPerSecond: number;
}

export interface LiveFeedOptions {
  readonly source: AdminSource;
  readonly metrics: RequestMetrics;
  /** Least time between two status pushes, in ms. */
  readonly minIntervalMs: number;
  /** Time between two rate pushes, in ms. */
  readonly rateIntervalMs: number;
  /** Where each rate interval's sample for the page's charts is kept; it rides along in the rates message. */
  readonly history: MetricsHistory;
  readonly onError: (error: unknown) => void;
}

/** A client that has this much unsent is too slow to follow: it skips pushes until it drains. */
const maxBuffered = 1 << 20;

/** How long close() waits for clients to answer the close handshake before cutting them. */
const closeHandshakeLimitMs = 1000;

/**
 * The `/live` WebSocket: pushes `{ type: 'status', now, status }` on every change of the source,
 * at most once per `minIntervalMs` and always with the latest status, and
 * `{ type: 'rates', now, intervalMs, apps, sample }` every `rateIntervalMs`, where `sample` is the
 * interval's entry of the history the page draws (kept whether or not a page is open).
 */
export class LiveFeed {
  readonly #options: LiveFeedOptions;
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    perMessageDeflate: false,
    // The page offers `portico-admin` and its token as `bearer.…`; the answer names only the first.
    handleProtocols: (offered) => (offered.has(liveProtocol) ? liveProtocol : false),
  });
  #unsubscribe: (() => void) | undefined;
  #rateTimer: NodeJS.Timeout | undefined;
  #pushTimer: NodeJS.Timeout | undefined;
  #lastPush = -Infinity;
  #lastRates: string | undefined;
  #previous = new Map<string, { requests: number; serverErrors: number; bytesIn: number; bytesOut: number }>();
  #previousAt = 0;

  constructor(options: LiveFeedOptions) {
    this.#options = options;
  }

  get clients(): number {
    return this.#wss.clients.size;
  }

  start(): void {
    this.#unsubscribe = this.#options.source.onChange(() => this.#changed());
    this.#sampleRates();
    this.#options.history.prime(this.#options.metrics.totals(), this.#options.metrics.sources());
    this.#rateTimer = setInterval(() => this.#pushRates(), this.#options.rateIntervalMs);
    this.#rateTimer.unref();
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      // The page only listens; anything it sends is ignored.
      ws.on('error', () => {});
      this.#send(ws, this.#statusMessage());
      if (this.#lastRates) this.#send(ws, this.#lastRates);
    });
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#rateTimer);
    clearTimeout(this.#pushTimer);
    const clients = [...this.#wss.clients];
    for (const ws of clients) ws.close(1001, 'admin server closing');
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(clients.filter((ws) => ws.readyState !== ws.CLOSED).map((ws) => new Promise((resolve) => ws.once('close', resolve)))),
      new Promise((resolve) => (deadline = setTimeout(resolve, closeHandshakeLimitMs))),
    ]);
    clearTimeout(deadline);
    // Clients that did not answer the close handshake in time are cut.
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #changed(): void {
    if (this.#wss.clients.size === 0 || this.#pushTimer) return;
    const wait = this.#lastPush + this.#options.minIntervalMs - performance.now();
    if (wait <= 0) return this.#pushStatus();
    this.#pushTimer = setTimeout(() => {
      this.#pushTimer = undefined;
      this.#pushStatus();
    }, wait);
  }

  #pushStatus(): void {
    this.#lastPush = performance.now();
    const message = this.#statusMessage();
    if (message) this.#broadcast(message);
  }

  #statusMessage(): string | undefined {
    const status = this.#status();
    return status && JSON.stringify({ type: 'status', now: Date.now(), status });
  }

  #status(): PorticoStatus | undefined {
    try {
      return this.#options.source.status();
    } catch (error) {
      this.#options.onError(error);
      return undefined;
    }
  }

  #pushRates(): void {
    const elapsed = (performance.now() - this.#previousAt) / 1000;
    const before = this.#previous;
    this.#sampleRates();
    const apps: AppRates[] = [];
    for (const [app, now] of this.#previous) {
      const then = before.get(app) ?? { requests: 0, serverErrors: 0, bytesIn: 0, bytesOut: 0 };
      const rate = (a: number, b: number) => Math.max(0, a - b) / elapsed;
      apps.push({
        app,
        requestsPerSecond: rate(now.requests, then.requests),
        serverErrorsPerSecond: rate(now.serverErrors, then.serverErrors),
        bytesInPerSecond: rate(now.bytesIn, then.bytesIn),
        bytesOutPerSecond: rate(now.bytesOut, then.bytesOut),
      });
    }
    const now = Date.now();
    const intervalMs = Math.round(elapsed * 1000);
    const { metrics, history } = this.#options;
    const sample = history.record(now, intervalMs, metrics.totals(), metrics.sources(), this.#status());
    this.#lastRates = JSON.stringify({ type: 'rates', now, intervalMs, apps, sample });
    this.#broadcast(this.#lastRates);
  }

  #sampleRates(): void {
    const sampled = new Map<string, { requests: number; serverErrors: number; bytesIn: number; bytesOut: number }>();
    for (const app of this.#options.metrics.apps()) {
      const counts = this.#options.metrics.counts(app);
      if (counts) sampled.set(app, counts);
    }
    this.#previous = sampled;
    this.#previousAt = performance.now();
  }

  #broadcast(message: string): void {
    for (const ws of this.#wss.clients) this.#send(ws, message);
  }

  #send(ws: WebSocket, message: string | undefined): void {
    if (message === undefined || ws.readyState !== ws.OPEN || ws.bufferedAmount > maxBuffered) return;
    ws.send(message);
  }
}
