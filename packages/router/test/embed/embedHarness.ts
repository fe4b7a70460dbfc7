// A host node:http server with the embedded forwarder mounted, on 127.0.0.1:0, plus the
// forwarder harness's backends and clients.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmbeddedForwarder, type Dispatch, type DispatchRequest, type EmbeddedForwarder, type EmbeddedForwarderOptions, type ExchangeOutcome, type ForwarderEvent } from '@portico/router';
import { closeAll as closeBackends } from '../forward/harness.ts';

export { getUntilEnding, rawRequest, readSlowPieces, stallingClient, startBulkBackend, startHeldBackend, startHttpBackend, startRawBackend, statusLines, uploadWithoutReading, upstreamAt } from '../forward/harness.ts';

export interface Host {
  readonly port: number;
  readonly server: http.Server;
  readonly forwarder: EmbeddedForwarder;
  readonly events: ForwarderEvent[];
  /** Every outcome passed to a Dispatch's `release`, in order. */
  readonly released: ExchangeOutcome[];
  /** How many times the dispatcher was asked. */
  readonly dispatched: () => number;
}

const hosts = new Set<Host>();

/**
 * Starts a node:http host with `handler` on every request and `upgrade` on its 'upgrade' event.
 * `decide` returns the Dispatch; a plain object's `release` is wrapped so tests can count outcomes.
 */
export async function startHost(decide: (request: DispatchRequest) => Dispatch | Promise<Dispatch>, options: Partial<EmbeddedForwarderOptions> = {}, serverOptions: http.ServerOptions = {}): Promise<Host> {
  const events: ForwarderEvent[] = [];
  const released: ExchangeOutcome[] = [];
  let asked = 0;
  const forwarder = createEmbeddedForwarder({
    ...options,
    dispatch: (request) => {
      asked++;
      // A class instance goes as it is, uncounted: a spread would lose its methods, and a wrapper
      // that binds them would hide an engine that detaches one (it reports its own `release`).
      const wrap = (d: Dispatch): Dispatch =>
        d.kind !== 'forward' || Object.getPrototypeOf(d) !== Object.prototype
          ? d
          : {
              ...d,
              release: (outcome) => {
                released.push(outcome);
                d.release?.(outcome);
              },
            };
      const d = decide(request);
      return d instanceof Promise ? d.then(wrap) : wrap(d);
    },
    onEvent: (e) => events.push(e),
  });
  const server = http.createServer(serverOptions, forwarder.handler);
  server.on('upgrade', forwarder.upgrade);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const host: Host = { port: (server.address() as AddressInfo).port, server, forwarder, events, released, dispatched: () => asked };
  hosts.add(host);
  return host;
}

/** Closes every host and backend; call from afterEach. */
export async function closeAll(): Promise<void> {
  const all = [...hosts];
  hosts.clear();
  await Promise.all(
    all.map(async (h) => {
      h.forwarder.close();
      h.server.closeAllConnections();
      await new Promise((resolve) => h.server.close(resolve));
    }),
  );
  await closeBackends();
}

export interface Reply {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

export function send(port: number, path: string, options: { method?: string; headers?: http.OutgoingHttpHeaders | string[]; body?: Buffer | string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, statusMessage: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
